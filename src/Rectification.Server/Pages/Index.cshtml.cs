using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.MyWork;
using Rectification.Server.Web;

namespace Rectification.Server.Pages;

/// <summary>我的待办: the signed-in user's work, overdue first.</summary>
public sealed class IndexModel(MyWork myWork) : WebPage
{
    public IReadOnlyList<WorkItem> Work { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me.IsReadOnly)
        {
            return Redirect("/dashboard");
        }

        Work = await myWork.ListAsync(Me, cancellationToken);
        return Page();
    }
}
