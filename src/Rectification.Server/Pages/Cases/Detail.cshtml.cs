using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Acceptance;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Server.Web;
using Rectification.Workflow;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Diagrams;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Server.Pages.Cases;

/// <summary>One case with everything done on it: stage, diagram, actions, checklist, plan, ledger, acceptance, history.
/// Every form carries the case version it was shown at, so a change made meanwhile is refused, not overwritten.</summary>
[RequestFormLimits(MultipartBodyLengthLimit = Evidence.MaxBytes + (64 * 1024))]
[RequestSizeLimit(Evidence.MaxBytes + (64 * 1024))]
public sealed class DetailModel(
    CaseStore store,
    CaseViews views,
    FlowCatalog flows,
    GetHistory.Handler history,
    TakeAction.Handler act,
    SignChecklistItem.Handler sign,
    SavePlan.Handler savePlan,
    ChangeLedgerItem.Handler changeItem,
    Evidence.Handler evidence,
    RecordAcceptance.Handler recordAcceptance,
    AcceptanceSheet sheet,
    StorageOptions storage,
    IWorkingCalendar calendar,
    TimeProvider clock) : WebPage
{
    public int Id { get; private set; }

    public CaseDetail? Case { get; private set; }

    public FlowDefinition? Flow { get; private set; }

    public string? Diagram { get; private set; }

    public IReadOnlySet<string> VisitedStages { get; private set; } = new HashSet<string>();

    public IReadOnlyList<GetHistory.Entry> History { get; private set; } = [];

    public PlanView Plan { get; private set; } = SavePlan.View(null);

    /// <summary>The plan as the editor shows it: what was posted when a save was refused or rows were added, else the saved plan.</summary>
    [BindProperty]
    public PlanForm Editor { get; set; } = new();

    public bool CanEditPlan { get; private set; }

    public IReadOnlyList<LedgerItemView> Items { get; private set; } = [];

    public ILookup<int, EvidenceFile> EvidenceByItem { get; private set; } = Array.Empty<EvidenceFile>().ToLookup(e => e.LedgerItemId);

    public AcceptanceView? Acceptance { get; private set; }

    public bool CanRecordAcceptance { get; private set; }

    public int? WorkingDaysLeft { get; private set; }

    public bool StageOverdue { get; private set; }

    /// <summary>The case version the plan editor's content belongs to, when it was posted back.</summary>
    public int? EditorVersion { get; private set; }

    public AcceptanceSheet Sheet => sheet;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        await LoadAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostActAsync(int id, string action, int version, string? comment, CancellationToken cancellationToken)
    {
        var fields = Form.Where(f => f.Key.StartsWith("field.", StringComparison.Ordinal))
            .ToDictionary(f => f.Key["field.".Length..], f => (string?)f.Value.ToString());
        var result = await act.HandleAsync(Me, id, action, version, new TakeAction.Request(comment, fields), cancellationToken);
        return await AfterAsync(id, $"action:{action}", result.Succeeded ? null : result.Problem, "已办理。", cancellationToken);
    }

    public async Task<IActionResult> OnPostSignAsync(int id, string item, int version, string? comment, CancellationToken cancellationToken)
    {
        var result = await sign.HandleAsync(Me, id, item, version, new SignChecklistItem.Request(comment), cancellationToken);
        return await AfterAsync(id, $"sign:{item}", result.Succeeded ? null : result.Problem, "已签字确认。", cancellationToken);
    }

    public async Task<IActionResult> OnPostPlanAsync(int id, int version, string? command, CancellationToken cancellationToken)
    {
        // The editor keeps the version its plan was loaded at: a plan changed meanwhile is refused, never overwritten.
        EditorVersion = version;
        Editor.Clean();
        // Adding or removing rows only reshapes the form: nothing is saved until 保存方案.
        if (command is not null && Editor.Apply(command))
        {
            await LoadAsync(id, cancellationToken, keepEditor: true);
            return Page();
        }

        var result = await savePlan.HandleAsync(Me, id, version, Editor.ToRequest(), cancellationToken);
        return await AfterAsync(id, "plan", result.Succeeded ? null : result.Problem, "整顿方案已保存。", cancellationToken, keepEditor: true);
    }

    public async Task<IActionResult> OnPostReportAsync(int id, int item, string? note, IFormFile? photo, CancellationToken cancellationToken)
    {
        var form = $"report:{item}";
        if (string.IsNullOrWhiteSpace(note))
        {
            return await AfterAsync(id, form, Problem.Invalid("note", "Say what was done (at most 2000 characters)."), "", cancellationToken);
        }

        // The photo and the report are one change: if the report is refused, the photo is not kept either.
        await using var transaction = await store.Db.Database.BeginTransactionAsync(cancellationToken);
        EvidenceFile? stored = null;
        Problem? problem = null;
        if (photo is { Length: > 0 })
        {
            await using var stream = photo.OpenReadStream();
            var uploaded = await evidence.UploadAsync(Me, item, Path.GetFileName(photo.FileName), stream, photo.Length, cancellationToken);
            (stored, problem) = (uploaded.Value, uploaded.Problem);
        }

        if (problem is null)
        {
            var reported = await changeItem.ReportAsync(Me, item, new ChangeLedgerItem.ReportRequest(note), cancellationToken);
            problem = reported.Problem;
        }

        if (problem is not null)
        {
            await transaction.RollbackAsync(cancellationToken);
            store.Db.ChangeTracker.Clear();
            if (stored is not null)
            {
                System.IO.File.Delete(Evidence.PathOf(storage, stored));
            }

            return await AfterAsync(id, form, problem, "", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await store.ScheduleDeferredAsync();
        return Done("已报告完成，等待督导组核验销号。", $"/cases/{id}");
    }

    public async Task<IActionResult> OnPostEvidenceAsync(int id, int item, IFormFile? photo, CancellationToken cancellationToken)
    {
        var form = $"evidence:{item}";
        if (photo is not { Length: > 0 })
        {
            return await AfterAsync(id, form, Problem.Invalid("fileName", "Name the file (at most 200 characters, no path)."), "", cancellationToken);
        }

        await using var stream = photo.OpenReadStream();
        var result = await evidence.UploadAsync(Me, item, Path.GetFileName(photo.FileName), stream, photo.Length, cancellationToken);
        return await AfterAsync(id, form, result.Succeeded ? null : result.Problem, "证明材料已上传。", cancellationToken);
    }

    public async Task<IActionResult> OnPostTickAsync(int id, int item, string? method, string? note, CancellationToken cancellationToken)
    {
        var result = await changeItem.TickAsync(Me, item, new ChangeLedgerItem.TickRequest(method, note), cancellationToken);
        return await AfterAsync(id, $"tick:{item}", result.Succeeded ? null : result.Problem, "已销号。", cancellationToken);
    }

    public async Task<IActionResult> OnPostReopenAsync(int id, int item, string? reason, CancellationToken cancellationToken)
    {
        var result = await changeItem.ReopenAsync(Me, item, new ChangeLedgerItem.ReopenRequest(reason), cancellationToken);
        return await AfterAsync(id, $"reopen:{item}", result.Succeeded ? null : result.Problem, "已退回重新整改。", cancellationToken);
    }

    public async Task<IActionResult> OnPostAcceptanceAsync(int id, int version, int? satisfied, int? basicallySatisfied, int? dissatisfied, string? note,
        CancellationToken cancellationToken)
    {
        var scores = new Dictionary<string, decimal>();
        var errors = new Dictionary<string, string[]>();
        foreach (var item in sheet.Items)
        {
            var text = Form[$"score.{item.Key}"].ToString();
            if (decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var points))
            {
                scores[item.Key] = points;
            }
            else if (text.Length > 0)
            {
                errors[$"scores.{item.Key}"] = [$"Between 0 and {item.Points}."];
            }
        }

        if (errors.Count > 0)
        {
            return await AfterAsync(id, "acceptance", Problem.Validation(errors), "", cancellationToken);
        }

        var result = await recordAcceptance.HandleAsync(Me, id, version,
            new RecordAcceptance.Request(scores, new RecordAcceptance.Rating(satisfied, basicallySatisfied, dissatisfied), note), cancellationToken);
        return await AfterAsync(id, "acceptance", result.Succeeded ? null : result.Problem, "验收评分已记录。", cancellationToken);
    }

    /// <summary>After a change: back to the case (a fresh GET), or the page again with the refusal shown in the form.</summary>
    private async Task<IActionResult> AfterAsync(int id, string form, Problem? problem, string notice, CancellationToken cancellationToken,
        bool keepEditor = false)
    {
        if (problem is null)
        {
            return Done(notice, $"/cases/{id}");
        }

        Refuse(form, problem);
        await LoadAsync(id, cancellationToken, keepEditor);
        return Page();
    }

    private async Task LoadAsync(int id, CancellationToken cancellationToken, bool keepEditor = false)
    {
        Id = id;
        var @case = await store.FindAsync(Me, id, cancellationToken);
        if (@case is null)
        {
            // Another township's case does not exist for this user: the same answer as a case that never existed.
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        Case = await views.DetailAsync(@case, Me, cancellationToken);
        var loaded = flows.Get(@case.FlowVersionId);
        Flow = loaded.Definition;
        Diagram = SvgDiagram.Write(Flow, @case.Stage);
        History = (await history.HandleAsync(Me, id, cancellationToken)).Unwrap();
        VisitedStages = History.SelectMany(h => new[] { h.From, h.To }).OfType<string>().ToHashSet();
        if (Case.StageDeadline is { } deadline && @case.EndedAt is null)
        {
            WorkingDaysLeft = DurationExpression.CountWorkingDays(ShanghaiTime.DateOf(clock.GetUtcNow()), ShanghaiTime.DateOf(deadline), calendar);
            StageOverdue = deadline < clock.GetUtcNow();
        }

        var plan = await store.Db.Plans.AsNoTracking().Include(p => p.Problems).ThenInclude(p => p.Measures).SingleOrDefaultAsync(p => p.CaseId == id, cancellationToken);
        Plan = SavePlan.View(plan);
        var stage = Flow.GetStage(@case.Stage);
        var submit = stage.Actions.FirstOrDefault(a => a.Effects.Contains(ActionEffects.PlanSubmitted));
        CanEditPlan = submit is not null && !Me.IsReadOnly && submit.Roles.Any(Me.Has) && @case.SuspendedAt is null;
        if (!keepEditor)
        {
            Editor = PlanForm.From(Plan);
        }

        var now = clock.GetUtcNow();
        var items = await store.Db.LedgerItems.AsNoTracking().Where(i => i.CaseId == id).Include(i => i.Situations).OrderBy(i => i.Id).ToListAsync(cancellationToken);
        Items = items.Select(i => ListLedger.View(i, Case.Village.Name, Case.Township.Name, now)).ToList();
        EvidenceByItem = (await store.Db.Set<EvidenceFile>().AsNoTracking().Where(e => e.CaseId == id).OrderBy(e => e.Id).ToListAsync(cancellationToken))
            .ToLookup(e => e.LedgerItemId);

        var record = await store.Db.Set<AcceptanceRecord>().AsNoTracking().Include(a => a.Scores)
            .Where(a => a.CaseId == id).OrderByDescending(a => a.StageVisit).FirstOrDefaultAsync(cancellationToken);
        Acceptance = RecordAcceptance.View(sheet, record);
        CanRecordAcceptance = Me.Has(Roles.CountyAdmin) && @case.SuspendedAt is null
            && stage.Actions.Any(a => a.Guards.OfType<AcceptancePassedGuard>().Any() && a.Roles.Any(Me.Has));
    }

    public bool IsTownshipSide => !Me.IsReadOnly && (Me.Has(Roles.TownshipSecretary) || Me.Has(Roles.FirstSecretary));

    public bool IsInspector => !Me.IsReadOnly && Me.Has(Roles.Inspector);

    public bool CaseOpen => Case is { EndedAt: null, SuspendedAt: null };
}
