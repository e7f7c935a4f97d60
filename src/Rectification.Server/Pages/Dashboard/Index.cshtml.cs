using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Dashboard;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Dashboard;

/// <summary>统计: cases by stage, overdue by unit graded red/yellow/green, and conversion over the year.</summary>
public sealed class IndexModel(Features.Dashboard.Dashboard dashboard) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public int? Year { get; set; }

    public DashboardView? View { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var result = await dashboard.GetAsync(Me, Year, cancellationToken);
        if (result.Succeeded)
        {
            View = result.Value;
        }
        else
        {
            Refuse("filter", result.Problem);
            View = (await dashboard.GetAsync(Me, null, cancellationToken)).Unwrap();
        }
    }

    public static string GradeName(Grade grade) => grade switch
    {
        Grade.Red => "红",
        Grade.Yellow => "黄",
        _ => "绿",
    };
}
