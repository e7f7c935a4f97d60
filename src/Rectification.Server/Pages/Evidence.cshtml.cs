using Microsoft.AspNetCore.Mvc;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Server.Web;

namespace Rectification.Server.Pages;

/// <summary>An evidence file for the pages (photos shown inline on the case), under the same scope check as the API.</summary>
public sealed class EvidenceModel(CaseStore store, StorageOptions storage) : WebPage
{
    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        var found = await Evidence.OpenAsync(store, storage, Me, id, cancellationToken);
        if (!found.Succeeded)
        {
            return NotFound();
        }

        // Shown inline only for the types checked on upload; never sniffed into something else.
        var inline = found.Value.File.ContentType.StartsWith("image/", StringComparison.Ordinal) || found.Value.File.ContentType == "application/pdf";
        return inline
            ? PhysicalFile(found.Value.Path, found.Value.File.ContentType)
            : PhysicalFile(found.Value.Path, found.Value.File.ContentType, found.Value.File.FileName);
    }
}
