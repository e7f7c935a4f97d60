using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Rectification.Server.Features.Auth;
using Rectification.Server.Web;

namespace Rectification.Server.Pages;

/// <summary>Sign-in for the pages: the same check and lockout as the API's, ending in a cookie instead of a token.</summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(AuthEndpoints.SignInLimit)]
public sealed class LoginModel(Login.Handler login, IOptions<AuthOptions> options, TimeProvider clock) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var result = await login.AuthenticateAsync(new Login.Request(Username, Password), cancellationToken);
        if (!result.Succeeded)
        {
            Refuse("login", result.Problem);
            return Page();
        }

        var now = clock.GetUtcNow();
        var principal = new ClaimsPrincipal(new ClaimsIdentity(result.Value.ToClaims(), WebAuth.Scheme));
        await HttpContext.SignInAsync(WebAuth.Scheme, principal,
            new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + options.Value.TokenLifetime });
        // Only a path of this site: a crafted link must not send a freshly signed-in user elsewhere.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : result.Value.IsReadOnly ? "/dashboard" : "/");
    }
}
