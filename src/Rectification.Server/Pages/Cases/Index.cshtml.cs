using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Cases;

/// <summary>The cases of the user's area, filtered by stage and year, paged.</summary>
public sealed class IndexModel(ListCases.Handler list, FlowCatalog flows) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string? Stage { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? Year { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int? PageNumber { get; set; }

    public ListCases.Page Result { get; private set; } = new([], 1, 50, 0);

    public IReadOnlyList<(string Key, string Name)> Stages { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Stages = (flows.LatestFor(flows.DefaultFlowKey, Me.CountyId)?.Definition.Stages ?? []).Select(s => (s.Key, s.Name)).ToList();
        var result = await list.HandleAsync(Me, new ListCases.Query(null, null, Stage, Year, PageNumber, 50), cancellationToken);
        if (result.Succeeded)
        {
            Result = result.Value;
        }
        else
        {
            Refuse("filter", result.Problem);
        }
    }
}
