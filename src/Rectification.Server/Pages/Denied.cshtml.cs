using Rectification.Server.Web;

namespace Rectification.Server.Pages;

/// <summary>Where the pages send a user whose role may not open the page asked for.</summary>
public sealed class DeniedModel : WebPage
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
