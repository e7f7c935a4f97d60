using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Server.Web;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Diagrams;

namespace Rectification.Server.Pages.Flows;

/// <summary>Editing a flow: check the YAML (errors at their lines, diagram preview, changes against the version in
/// force), save it as the scope's draft, publish the draft with the diff shown.</summary>
[RequestSizeLimit(FlowReader.MaxBytes * 4)]
public sealed class EditModel(FlowCatalog catalog, AppDbContext db, SaveDraft.Handler save, PublishDraft.Handler publish) : WebPage
{
    public string Key { get; private set; } = "";

    public LoadedFlow? InForce { get; private set; }

    public FlowDraft? Draft { get; private set; }

    /// <summary>The text in the editor: what was posted, else the draft, else the version in force.</summary>
    [BindProperty]
    public string? Yaml { get; set; }

    public IReadOnlyList<FlowDiagnostic> Diagnostics { get; private set; } = [];

    public bool Checked { get; private set; }

    public bool Valid { get; private set; }

    public IReadOnlyList<FlowChange> Changes { get; private set; } = [];

    public string? Preview { get; private set; }

    public IReadOnlyList<string> Published { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string key, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(key, cancellationToken))
        {
            return NotFound();
        }

        Yaml = Draft?.Yaml ?? InForce?.Yaml;
        if (Draft is not null)
        {
            Check(Draft.Yaml);
        }

        Published = TempData["Published"] is string published ? published.Split('\n') : [];
        return Page();
    }

    public async Task<IActionResult> OnPostCheckAsync(string key, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(key, cancellationToken))
        {
            return NotFound();
        }

        Check(Yaml ?? "");
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(string key, IFormFile? file, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(key, cancellationToken))
        {
            return NotFound();
        }

        if (file is null)
        {
            Refuse("upload", Problem.Invalid("body", "Send the flow as YAML in the request body."));
            return Page();
        }

        await using var stream = file.OpenReadStream();
        var read = await FlowUpload.ReadAsync(stream, file.Length, cancellationToken);
        if (!read.Succeeded)
        {
            Refuse("upload", read.Problem);
            return Page();
        }

        // Loaded into the editor and checked; saved only by 保存草稿, like a typed edit.
        Yaml = read.Value;
        Check(Yaml);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string key, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(key, cancellationToken))
        {
            return NotFound();
        }

        var read = FlowReader.Read("draft", Yaml ?? "");
        if (read.Key is not null && read.Key != key)
        {
            Check(Yaml ?? "");
            Refuse("flow", Problem.Invalid("key", $"This page edits '{key}'; the file says '{read.Key}'."));
            return Page();
        }

        var result = await save.HandleAsync(Me, Yaml ?? "", cancellationToken);
        if (!result.Succeeded)
        {
            Check(Yaml ?? "");
            Refuse("flow", result.Problem);
            return Page();
        }

        return Done(result.Value.Draft.Valid ? "草稿已保存，检查通过，可以发布。" : "草稿已保存，但还有错误，改正后才能发布。", $"/flows/{key}");
    }

    public async Task<IActionResult> OnPostPublishAsync(string key, int draft, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(key, cancellationToken))
        {
            return NotFound();
        }

        var result = await publish.HandleAsync(Me, key, draft, cancellationToken);
        if (!result.Succeeded)
        {
            Yaml = Draft?.Yaml ?? Yaml;
            Check(Yaml ?? "");
            Refuse("publish", result.Problem);
            return Page();
        }

        var r = result.Value;
        TempData["Published"] = string.Join('\n', r.Changes.Select(Describe));
        var migrate = r.PreviousVersion is { } previous ? $"?from={previous}&to={r.Version}" : "";
        Notice = $"已发布第 {r.Version} 版（{r.Changes.Count} 处变更）。新案件按新版本办理。";
        return Redirect(r.PreviousVersion is null ? $"/flows/{key}" : $"/flows/{key}/migrate{migrate}");
    }

    public static string Describe(FlowChange change) => change.Kind switch
    {
        ChangeKind.Added => $"新增 {change.Path}：{change.After}",
        ChangeKind.Removed => $"删除 {change.Path}：{change.Before}",
        _ => $"修改 {change.Path}：{change.Before} → {change.After}",
    };

    /// <summary>The lines of the text in the editor with the diagnostics that point at each.</summary>
    public IEnumerable<(int Number, string Text, IReadOnlyList<FlowDiagnostic> Found)> Lines() =>
        (Yaml ?? "").Split('\n').Select((text, i) => (i + 1, text.TrimEnd('\r'), (IReadOnlyList<FlowDiagnostic>)Diagnostics.Where(d => d.Line == i + 1).ToList()));

    private void Check(string yaml)
    {
        var read = FlowReader.Read("flow", yaml);
        Checked = true;
        Diagnostics = read.Diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList();
        Valid = read.Succeeded;
        if (read.Succeeded && read.Definition is { } definition)
        {
            Preview = SvgDiagram.Write(definition, null);
            Changes = FlowDiff.Compare(InForce?.Definition, definition);
        }
    }

    private async Task<bool> LoadAsync(string key, CancellationToken cancellationToken)
    {
        Key = key;
        InForce = catalog.LatestFor(key, Me.CountyId) ?? catalog.Versions(key).LastOrDefault(v => FlowScope.CanSee(Me, v.ScopeId));
        var scope = FlowScope.EditedBy(Me);
        Draft = scope.Succeeded
            ? await db.FlowDrafts.AsNoTracking().SingleOrDefaultAsync(d => d.Key == key && d.ScopeId == scope.Value, cancellationToken)
            : null;
        return InForce is not null || Draft is not null;
    }
}
