using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Flows;

/// <summary>流程配置: the flows the county admin may see, the version in force for their county, and their drafts.</summary>
public sealed class IndexModel(FlowCatalog catalog, AppDbContext db) : WebPage
{
    public IReadOnlyList<(string Key, LoadedFlow InForce, IReadOnlyList<LoadedFlow> Versions)> Flows { get; private set; } = [];

    public IReadOnlyList<FlowDraft> Drafts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Flows = catalog.Keys
            .Select(key => (Key: key, Versions: (IReadOnlyList<LoadedFlow>)catalog.Versions(key).Where(v => FlowScope.CanSee(Me, v.ScopeId)).ToList()))
            .Where(f => f.Versions.Count > 0)
            .Select(f => (f.Key, catalog.LatestFor(f.Key, Me.CountyId) ?? f.Versions[^1], f.Versions))
            .ToList();
        var scope = FlowScope.EditedBy(Me);
        Drafts = scope.Succeeded
            ? await db.FlowDrafts.AsNoTracking().Where(d => d.ScopeId == scope.Value).OrderBy(d => d.Key).ToListAsync(cancellationToken)
            : [];
    }
}
