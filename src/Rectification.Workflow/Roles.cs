namespace Rectification.Workflow;

/// <summary>The roles a user can hold; flow files name them by these keys.</summary>
public static class Roles
{
    public const string CountyAdmin = "county-admin";
    public const string TownshipSecretary = "township-secretary";
    public const string Inspector = "inspector";
    public const string FirstSecretary = "first-secretary";
    public const string CityViewer = "city-viewer";

    /// <summary>Every role with its Chinese name, in the order the UI lists them.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [CountyAdmin] = "县委组织部",
        [TownshipSecretary] = "乡镇党委书记",
        [Inspector] = "督导组",
        [FirstSecretary] = "第一书记",
        [CityViewer] = "市委组织部",
    };

    public static bool IsKnown(string? role) => role is not null && All.ContainsKey(role);
}
