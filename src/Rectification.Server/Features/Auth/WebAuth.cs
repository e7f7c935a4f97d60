namespace Rectification.Server.Features.Auth;

/// <summary>The web pages' cookie sign-in: its scheme and the policies the pages require. The API keeps to bearer
/// tokens, so a cookie never authorises an API call and the API needs no CSRF defence.</summary>
public static class WebAuth
{
    public const string Scheme = "Web";

    /// <summary>Any signed-in user of the pages.</summary>
    public const string Policy = "Web";

    /// <summary>County organisation departments: flow configuration.</summary>
    public const string CountyAdminPolicy = "WebCountyAdmin";
}
