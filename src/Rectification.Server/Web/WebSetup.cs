using Rectification.Server.Features.Auth;

namespace Rectification.Server.Web;

/// <summary>The web pages: Razor Pages behind the cookie sign-in, anti-forgery on every form, assets served by the
/// app itself, and headers that keep the browser from loading anything from elsewhere.</summary>
public static class WebSetup
{
    // Everything comes from this service: county intranets have no internet, and nothing else should be trusted.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        // The assets (with their build-time compressed copies) are found through the build's manifest in every
        // environment, not only Development: the test host and a plain `dotnet run` serve them as a publish does.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", WebAuth.Policy);
            o.Conventions.AuthorizeFolder("/Flows", WebAuth.CountyAdminPolicy);
            o.Conventions.AllowAnonymousToPage("/Login");
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "rectification-csrf";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o => o.Cookie.Name = "rectification-notice");
        // Chinese text as text, not as &#x...; entities: pages half the size, readable when saved or printed to file.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        return builder;
    }

    /// <summary>Security headers on every answer, pages and API alike.</summary>
    public static WebApplication UseWebHeaders(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            // Set as the answer starts, so an error page written after the exception handler cleared the headers has them too.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(http);
        });
        return app;
    }

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages();
        return app;
    }
}
