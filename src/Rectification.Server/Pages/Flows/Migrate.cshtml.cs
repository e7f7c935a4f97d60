using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Flows;

/// <summary>Moving running cases from one version of a flow to another: map the stages, see the dry run case by case,
/// then execute the same plan.</summary>
public sealed class MigrateModel(FlowCatalog catalog, MigrateCases.Handler migrate) : WebPage
{
    public string Key { get; private set; } = "";

    [BindProperty(SupportsGet = true)]
    public int? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? To { get; set; }

    public IReadOnlyList<LoadedFlow> Versions { get; private set; } = [];

    public LoadedFlow? FromFlow => Versions.FirstOrDefault(v => v.Version == From);

    public LoadedFlow? ToFlow => Versions.FirstOrDefault(v => v.Version == To);

    public MigrateCases.Response? Report { get; private set; }

    /// <summary>The stage of the new version each old stage maps to: as posted, else the stage with the same key.</summary>
    public string? MappedTo(string stage) =>
        Form.TryGetValue($"map.{stage}", out var posted) ? posted.ToString()
        : ToFlow?.Definition.FindStage(stage)?.Key;

    public void OnGet(string key) => Load(key);

    public async Task<IActionResult> OnPostAsync(string key, bool execute, CancellationToken cancellationToken)
    {
        Load(key);
        var stages = Form.Where(f => f.Key.StartsWith("map.", StringComparison.Ordinal) && !string.IsNullOrEmpty(f.Value))
            .ToDictionary(f => f.Key["map.".Length..], f => f.Value.ToString());
        var result = await migrate.HandleAsync(Me, key, new MigrateCases.Request(From, To, stages, !execute, null), cancellationToken);
        if (!result.Succeeded)
        {
            Refuse("migrate", result.Problem);
            return Page();
        }

        if (execute)
        {
            // Back to a GET, so a reload cannot run the migration again; each case's move is in its history.
            return Done($"已迁移 {result.Value.Moved} 个案件，{result.Value.Unmapped} 个未对应、保持原版本。", $"/flows/{key}/migrate?from={From}&to={To}");
        }

        Report = result.Value;
        return Page();
    }

    private void Load(string key)
    {
        Key = key;
        Versions = catalog.Versions(key).Where(v => FlowScope.CanSee(Me, v.ScopeId)).ToList();
        To ??= catalog.LatestFor(key, Me.CountyId)?.Version;
        From ??= Versions.Where(v => v.Version < To).Select(v => (int?)v.Version).LastOrDefault();
    }
}
