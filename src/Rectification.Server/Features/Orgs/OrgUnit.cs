namespace Rectification.Server.Features.Orgs;

/// <summary>The levels of the organisation tree, from the city down to the village.</summary>
public enum OrgLevel
{
    City = 0,
    County = 1,
    Township = 2,
    Village = 3,
}

/// <summary>A unit of the organisation tree: city (市), county (县/区), township (乡镇/街道) or village (村/社区).</summary>
public sealed class OrgUnit
{
    public int Id { get; set; }

    /// <summary>The administrative division code, unique (e.g. 220211 for 丰满区).</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public OrgLevel Level { get; set; }

    public int? ParentId { get; set; }

    /// <summary>The ids from the root down to this unit, as "/1/2/7/", so a subtree is one prefix query.</summary>
    public string Path { get; set; } = "/";

    public static string ChildPath(string parentPath, int id) => $"{parentPath}{id}/";
}
