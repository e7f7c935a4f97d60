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
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.MaxFailedLogins > 0 && o.LockoutDuration > TimeSpan.Zero && o.SignInsPerMinute > 0,
                "Auth: TokenLifetime, MaxFailedLogins, LockoutDuration and SignInsPerMinute must be positive.")
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
                o.Events.OnValidatePrincipal = CredentialStamps.ValidateCookieAsync;
            });
        builder.Services.AddSingleton<CredentialStamps>();
        var signInsPerMinute = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.SignInsPerMinute ?? new AuthOptions().SignInsPerMinute;
        builder.Services.AddRateLimiter(o =>
        {
            // Per client address, for the API's and the page's sign-in alike; showing the sign-in page is not counted.
            o.AddPolicy(SignInLimit, http => HttpMethods.IsPost(http.Request.Method)
                ? System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = signInsPerMinute, Window = TimeSpan.FromMinutes(1) })
                : System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("read"));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await new Problem(StatusCodes.Status429TooManyRequests, "Too many sign-in attempts", "登录尝试过于频繁，请一分钟后再试。")
                    .ToProblemResult().ExecuteAsync(context.HttpContext);
            };
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

    /// <summary>The rate limit on sign-in attempts (<see cref="AuthOptions.SignInsPerMinute"/>).</summary>
    public const string SignInLimit = "sign-in";

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Auth");
        group.MapPost("/auth/login", async (Login.Request request, Login.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(request, ct)).ToHttp(r => TypedResults.Ok(r)))
            .AllowAnonymous()
            .RequireRateLimiting(SignInLimit)
            .WithSummary("Sign in with username and password; returns a bearer token.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
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

    /// <summary>Checks the bearer token of every API call after authentication (the bearer handler has no event for it);
    /// a stale one leaves the caller anonymous, so the endpoint answers 401 as for an expired token.</summary>
    public static WebApplication UseCredentialStamps(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.User.Identity?.IsAuthenticated == true
                && !await http.RequestServices.GetRequiredService<CredentialStamps>().IsCurrentAsync(http.User, http.RequestAborted))
            {
                http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
            }

            await next(http);
        });
        return app;
    }

    public sealed record MeResponse(int Id, string Username, string DisplayName, IReadOnlyList<string> Roles, OrgUnitDto OrgUnit);
}
