using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Features.Workflows;

/// <summary>A diagnostic as the API shows it: where, which field, what, in English and Chinese.</summary>
public sealed record DiagnosticView(string Severity, string Source, int Line, int Column, string Field, string Message, string MessageZh)
{
    public static DiagnosticView From(FlowDiagnostic d) =>
        new(d.Severity.ToString().ToLowerInvariant(), d.Source, d.Line, d.Column, d.Field, d.Message, d.MessageZh);

    public static IReadOnlyList<DiagnosticView> From(FlowReadResult result) => result.Diagnostics.Select(From).ToList();
}

/// <summary>A draft as the API shows it, with what validation found in it.</summary>
public sealed record DraftView(int Id, string Key, int ScopeId, string Author, DateTimeOffset UpdatedAt, bool Valid,
    IReadOnlyList<DiagnosticView> Diagnostics, string Yaml);

/// <summary>Checks a flow file without saving (validate), or saves it as the draft of its key in the caller's scope
/// (one draft per key and scope, replaced by each save). A draft may hold mistakes; publishing it may not.</summary>
public static class SaveDraft
{
    public sealed record ValidationReport(string? Key, bool Valid, IReadOnlyList<DiagnosticView> Diagnostics);

    public static ValidationReport Validate(string yaml)
    {
        var result = FlowReader.Read("upload", yaml);
        return new ValidationReport(result.Key, result.Succeeded, DiagnosticView.From(result));
    }

    public sealed class Handler(AppDbContext db, TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<(DraftView Draft, bool Created)>> HandleAsync(CurrentUser actor, string yaml, CancellationToken cancellationToken)
        {
            var scope = FlowScope.EditedBy(actor);
            if (!scope.Succeeded)
            {
                return scope.Problem;
            }

            var result = FlowReader.Read("draft", yaml);
            if (result.Key is null)
            {
                return new Problem(StatusCodes.Status422UnprocessableEntity, "Flow not readable",
                    "The file has no readable 'key', so it cannot be saved as a draft; fix the errors listed.",
                    Extensions: new Dictionary<string, object?> { ["diagnostics"] = DiagnosticView.From(result) });
            }

            var now = clock.GetUtcNow();
            var draft = await db.FlowDrafts.SingleOrDefaultAsync(d => d.Key == result.Key && d.ScopeId == scope.Value, cancellationToken);
            var created = draft is null;
            if (draft is null)
            {
                draft = new FlowDraft { Key = result.Key, ScopeId = scope.Value, Yaml = yaml, AuthorName = actor.DisplayName, CreatedAt = now };
                db.FlowDrafts.Add(draft);
            }

            draft.Yaml = yaml;
            draft.AuthorId = actor.Id;
            draft.AuthorName = actor.DisplayName;
            draft.UpdatedAt = now;
            draft.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Draft {DraftId} of flow {FlowKey} saved for scope {ScopeId} by {User}; valid: {Valid}",
                draft.Id, draft.Key, draft.ScopeId, actor.UserName, result.Succeeded);
            return (View(draft, result), created);
        }
    }

    public static DraftView View(FlowDraft draft, FlowReadResult? result = null)
    {
        result ??= FlowReader.Read($"draft {draft.Id}", draft.Yaml);
        return new DraftView(draft.Id, draft.Key, draft.ScopeId, draft.AuthorName, Rectification.Workflow.Time.ShanghaiTime.ToLocal(draft.UpdatedAt),
            result.Succeeded, DiagnosticView.From(result), draft.Yaml);
    }
}
