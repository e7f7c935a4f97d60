using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Auth;
using Rectification.Server.Web;

namespace Rectification.Server.Pages;

/// <summary>Signs out of the pages (POST only, so a link cannot sign anyone out).</summary>
public sealed class LogoutModel : WebPage
{
    public IActionResult OnGet() => Redirect("/");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(WebAuth.Scheme);
        return Redirect("/login");
    }
}
