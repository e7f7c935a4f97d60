using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Dispatch;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Dispatch;

/// <summary>每周调度: the latest weekly dispatch (or one chosen), printable, with its Excel workbook.</summary>
public sealed class IndexModel(AppDbContext db) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public int? Id { get; set; }

    public IReadOnlyList<DispatchView> Reports { get; private set; } = [];

    public DispatchView? Shown { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me.OrgLevel is not (OrgLevel.County or OrgLevel.City))
        {
            return Forbid(Features.Auth.WebAuth.Scheme);
        }

        Reports = (await DispatchEndpoints.Visible(db, Me).OrderByDescending(d => d.WeekOf).ThenBy(d => d.CountyId).Take(60).ToListAsync(cancellationToken))
            .Select(DispatchEndpoints.View).ToList();
        var chosen = Id is { } id ? await DispatchEndpoints.Visible(db, Me).SingleOrDefaultAsync(d => d.Id == id, cancellationToken) : null;
        Shown = chosen is not null ? DispatchEndpoints.View(chosen) : Reports.Count > 0 ? Reports[0] : null;
        return Page();
    }

    public async Task<IActionResult> OnGetExportAsync(int id, CancellationToken cancellationToken)
    {
        var report = await DispatchEndpoints.Visible(db, Me).SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (report is null)
        {
            return NotFound();
        }

        var stream = await DispatchEndpoints.WorkbookAsync(DispatchEndpoints.View(report).Content, cancellationToken);
        return File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"每周调度-{report.WeekOf:yyyyMMdd}.xlsx");
    }
}
