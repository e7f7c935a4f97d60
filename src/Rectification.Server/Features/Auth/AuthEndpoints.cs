using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Users;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Auth;

/// <summary>Sign-in, the caller's own profile, and the authentication set-up behind them.</summary>
public static class AuthEndpoints
{
    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.MaxFailedLogins > 0 && o.LockoutDuration > TimeSpan.Zero,
                "Auth: TokenLifetime, MaxFailedLogins and LockoutDuration must be positive.")
            .ValidateOnStart();
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(BearerTokenDefaults.AuthenticationScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(8))
            .AddCookie(WebAuth.Scheme, o =>
            {
                // The pages' session: never readable by scripts, never sent with another site's form posts (Lax keeps the
                // links in WeCom and DingTalk alerts working; every form also carries an anti-forgery token).
                o.Cookie.Name = "rectification";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = false;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
            });
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(WebAuth.Policy, p => p.AddAuthenticationSchemes(WebAuth.Scheme).RequireAuthenticatedUser())
            .AddPolicy(WebAuth.CountyAdminPolicy, p => p.AddAuthenticationSchemes(WebAuth.Scheme).RequireRole(Workflow.Roles.CountyAdmin));
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddScoped<Login.Handler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Auth");
        group.MapPost("/auth/login", async (Login.Request request, Login.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(request, ct)).ToHttp(r => TypedResults.Ok(r)))
            .AllowAnonymous()
            .WithSummary("Sign in with username and password; returns a bearer token.")
            .Produces<Login.Response>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem();
        group.MapGet("/me", async (HttpContext http, OrgDirectory orgs, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                var unit = await orgs.GetAsync(user.OrgUnitId, ct);
                return TypedResults.Ok(new MeResponse(user.Id, user.UserName, user.DisplayName, user.Roles, OrgUnitDto.From(unit!)));
            })
            .WithSummary("The signed-in user: name, roles and org unit.");
        return app;
    }

    public sealed record MeResponse(int Id, string Username, string DisplayName, IReadOnlyList<string> Roles, OrgUnitDto OrgUnit);
}
