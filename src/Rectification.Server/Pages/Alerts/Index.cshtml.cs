using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Web;

namespace Rectification.Server.Pages.Alerts;

/// <summary>提醒: the user's alerts, unread first by default, and marking them read.</summary>
public sealed class IndexModel(AlertInbox inbox) : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool All { get; set; }

    public IReadOnlyList<AlertView> Alerts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var result = await inbox.ListAsync(Me, string.IsNullOrEmpty(Kind) ? null : Kind, All ? null : false, null, 1, 200, cancellationToken);
        if (result.Succeeded)
        {
            Alerts = result.Value;
        }
        else
        {
            Refuse("filter", result.Problem);
        }
    }

    public async Task<IActionResult> OnPostAckAsync(long id, CancellationToken cancellationToken)
    {
        var result = await inbox.AcknowledgeAsync(Me, id, cancellationToken);
        return result.Succeeded ? Done("已标记为已读。", "/alerts") : NotFound();
    }
}
