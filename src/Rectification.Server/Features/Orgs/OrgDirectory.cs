using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;

namespace Rectification.Server.Features.Orgs;

/// <summary>An org unit as the API shows it.</summary>
public sealed record OrgUnitDto(int Id, string Code, string Name, string Level, int? ParentId)
{
    public static OrgUnitDto From(OrgUnit unit) => new(unit.Id, unit.Code, unit.Name, unit.Level.ToString().ToLowerInvariant(), unit.ParentId);
}

/// <summary>Reads the org tree and answers scope questions: a user acts only within the subtree of their unit.</summary>
public sealed class OrgDirectory(AppDbContext db)
{
    public Task<OrgUnit?> GetAsync(int id, CancellationToken cancellationToken) =>
        db.OrgUnits.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);

    /// <summary>Every unit in the user's subtree, their own included.</summary>
    public IQueryable<OrgUnit> VisibleTo(CurrentUser user) =>
        db.OrgUnits.AsNoTracking().Where(o => o.Path.Contains("/" + user.OrgUnitId + "/"));

    public static bool IsWithin(CurrentUser user, OrgUnit unit) => unit.Path.Contains($"/{user.OrgUnitId}/", StringComparison.Ordinal);

    /// <summary>The county a unit lies in (itself, for a county), or null for a city.</summary>
    public static async Task<int?> CountyOfAsync(AppDbContext db, OrgUnit unit, CancellationToken cancellationToken)
    {
        if (unit.Level == OrgLevel.City)
        {
            return null;
        }

        var ids = unit.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        return await db.OrgUnits.Where(o => ids.Contains(o.Id) && o.Level == OrgLevel.County).Select(o => (int?)o.Id).SingleAsync(cancellationToken);
    }

    /// <summary>The ids of the city, county and township above a village.</summary>
    public async Task<(int City, int County, int Township)> AncestorsOfVillageAsync(OrgUnit village, CancellationToken cancellationToken)
    {
        var ids = village.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        var units = await db.OrgUnits.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Level, o => o.Id, cancellationToken);
        return (units[OrgLevel.City], units[OrgLevel.County], units[OrgLevel.Township]);
    }
}
