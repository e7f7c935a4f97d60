using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Web;
using Rectification.Workflow;
using Rectification.Workflow.Situations;
using Rectification.Workflow.Time;

namespace Rectification.Server.Pages.Ledger;

/// <summary>台账: the ledger of the user's area with filters and sorting; inspectors tick items off in the row; the same
/// filters export to Excel.</summary>
public sealed class IndexModel(ListLedger.Handler list, ExportLedger.Handler export, ChangeLedgerItem.Handler change, AppDbContext db,
    SituationCatalog situations, TimeProvider clock) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public int? Township { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool? Overdue { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Situation { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Responsible { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int? PageNumber { get; set; }

    public ListLedger.Page Result { get; private set; } = new([], 1, 50, 0);

    public IReadOnlyList<OrgUnit> Townships { get; private set; } = [];

    public IReadOnlyList<Situation> Situations => situations.All;

    public bool CanTick => !Me.IsReadOnly && Me.Has(Roles.Inspector);

    /// <summary>The current filters as a query string, for the export link and the pager.</summary>
    public string Filters(int? page = null) => QueryString.Create(new Dictionary<string, string?>
    {
        ["township"] = Township?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["status"] = Status,
        ["overdue"] = Overdue?.ToString().ToLowerInvariant(),
        ["situation"] = Situation,
        ["responsible"] = Responsible,
        ["sort"] = Sort,
        ["page"] = page?.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();

    private ListLedger.Query Query => new(null, Township, null, NullIfEmpty(Status), Overdue, NullIfEmpty(Situation), NullIfEmpty(Responsible),
        NullIfEmpty(Sort), PageNumber, 50);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        var file = await export.HandleAsync(Me, Query, cancellationToken);
        if (!file.Succeeded)
        {
            Refuse("filter", file.Problem);
            await LoadAsync(cancellationToken);
            return Page();
        }

        return File(file.Value, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            $"台账-{ShanghaiTime.DateOf(clock.GetUtcNow()):yyyyMMdd}.xlsx");
    }

    public async Task<IActionResult> OnPostTickAsync(int item, string? method, CancellationToken cancellationToken)
    {
        var result = await change.TickAsync(Me, item, new ChangeLedgerItem.TickRequest(method, null), cancellationToken);
        if (result.Succeeded)
        {
            return Done($"#{item} 已销号。", $"/ledger{Filters(PageNumber)}");
        }

        Refuse($"tick:{item}", result.Problem);
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Townships = Me.OrgLevel == OrgLevel.County
            ? await db.OrgUnits.AsNoTracking().Where(o => o.ParentId == Me.OrgUnitId).OrderBy(o => o.Code).ToListAsync(cancellationToken)
            : [];
        var result = await list.HandleAsync(Me, Query, cancellationToken);
        if (result.Succeeded)
        {
            Result = result.Value;
        }
        else if (FailedForm is null)
        {
            Refuse("filter", result.Problem);
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
