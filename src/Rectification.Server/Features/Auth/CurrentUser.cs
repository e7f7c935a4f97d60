using System.Globalization;
using System.Security.Claims;
using Rectification.Server.Features.Orgs;

namespace Rectification.Server.Features.Auth;

/// <summary>The signed-in user as every use case sees it: who, where in the org tree, and with which roles.
/// <see cref="CountyId"/> is the county the user works in, or null for city-level users.</summary>
public sealed record CurrentUser(int Id, string UserName, string DisplayName, int OrgUnitId, OrgLevel OrgLevel, IReadOnlyList<string> Roles,
    int? CountyId = null, string? SecurityStamp = null)
{
    public const string SecurityStampClaim = "stamp";

    public const string OrgUnitClaim = "org";
    public const string CountyClaim = "county";
    public const string OrgLevelClaim = "org_level";
    public const string DisplayNameClaim = "display_name";

    public bool Has(string role) => Roles.Contains(role);

    /// <summary>City viewers only read; they hold no role that writes.</summary>
    public bool IsReadOnly => Roles.All(r => r == Workflow.Roles.CityViewer);

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(ClaimTypes.NameIdentifier, Id.ToString(CultureInfo.InvariantCulture));
        yield return new Claim(ClaimTypes.Name, UserName);
        yield return new Claim(DisplayNameClaim, DisplayName);
        yield return new Claim(OrgUnitClaim, OrgUnitId.ToString(CultureInfo.InvariantCulture));
        yield return new Claim(OrgLevelClaim, OrgLevel.ToString());
        if (CountyId is { } county)
        {
            yield return new Claim(CountyClaim, county.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var role in Roles)
        {
            yield return new Claim(ClaimTypes.Role, role);
        }

        yield return new Claim(SecurityStampClaim, SecurityStamp ?? "");
    }

    public static CurrentUser FromPrincipal(ClaimsPrincipal principal)
    {
        string Get(string type) => principal.FindFirstValue(type) ?? throw new InvalidOperationException($"The token has no {type} claim.");
        return new CurrentUser(
            int.Parse(Get(ClaimTypes.NameIdentifier), CultureInfo.InvariantCulture),
            Get(ClaimTypes.Name),
            Get(DisplayNameClaim),
            int.Parse(Get(OrgUnitClaim), CultureInfo.InvariantCulture),
            Enum.Parse<OrgLevel>(Get(OrgLevelClaim)),
            principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
            principal.FindFirstValue(CountyClaim) is { } county ? int.Parse(county, CultureInfo.InvariantCulture) : null,
            principal.FindFirstValue(SecurityStampClaim));
    }
}

/// <summary>Binds <see cref="CurrentUser"/> as an endpoint parameter from the authenticated principal.</summary>
public static class CurrentUserBinding
{
    public static CurrentUser GetCurrentUser(this HttpContext http) => CurrentUser.FromPrincipal(http.User);
}
