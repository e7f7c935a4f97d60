using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Acceptance;

/// <summary>The acceptance as the API shows it: the sheet, what was recorded, and the computed outcome.</summary>
public sealed record AcceptanceView(AcceptanceSheet Sheet, AcceptanceView.Recorded? Acceptance)
{
    public sealed record Recorded(decimal Total, decimal PassMark, IReadOnlyDictionary<string, decimal> Scores, int Satisfied, int BasicallySatisfied,
        int Dissatisfied, bool Passed, string Outcome, string? Note, string RecordedBy, DateTimeOffset RecordedAt);
}

/// <summary>The county records the acceptance of a case in the stage whose action needs it: scores per item of the sheet
/// and the democratic rating. The outcome is computed: pass needs the pass mark and no more than half dissatisfied.
/// Recording again in the same stage replaces the earlier scores; both are in the history.</summary>
public static class RecordAcceptance
{
    public sealed record Rating(int? Satisfied, int? BasicallySatisfied, int? Dissatisfied);

    /// <summary>More votes than any village has voters; keeps the sums far from overflowing.</summary>
    public const int MaxVotes = 100_000;

    public sealed record Request(Dictionary<string, decimal>? Scores, Rating? Rating, string? Note);

    public sealed class Handler(CaseStore store, FlowCatalog flows, AcceptanceSheet sheet, CaseTransitions transitions, TimeProvider clock)
    {
        public async Task<Result<AcceptanceRecord>> HandleAsync(CurrentUser actor, int caseId, int? expectedVersion, Request request,
            CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            var stage = flows.Get(@case.FlowVersionId).Definition.GetStage(@case.Stage);
            var needing = stage.Actions.FirstOrDefault(a => a.Guards.OfType<AcceptancePassedGuard>().Any());
            if (needing is null)
            {
                return Problem.Conflict($"Acceptance is recorded in the acceptance stage; the case is in '{stage.Name}'.");
            }

            if (actor.IsReadOnly || !needing.Roles.Any(actor.Has))
            {
                return Problem.Forbidden($"Acceptance is recorded by {string.Join(", ", needing.Roles)}.");
            }

            if (Preconditions.Check(expectedVersion, @case.Version, null) is { } refused)
            {
                return refused;
            }

            if (request.Note is { Length: > Preconditions.MaxCommentLength })
            {
                return Problem.Invalid("note", $"At most {Preconditions.MaxCommentLength} characters.");
            }

            var errors = new Dictionary<string, string[]>();
            var scores = request.Scores ?? [];
            foreach (var item in sheet.Items)
            {
                if (!scores.TryGetValue(item.Key, out var points))
                {
                    errors[$"scores.{item.Key}"] = [$"Score '{item.Name}' (0 to {item.Points})."];
                }
                else if (points < 0 || points > item.Points)
                {
                    errors[$"scores.{item.Key}"] = [$"Between 0 and {item.Points}."];
                }
            }

            foreach (var unknown in scores.Keys.Where(k => sheet.Items.All(i => i.Key != k)))
            {
                errors[$"scores.{unknown}"] = ["Not an item of the score sheet."];
            }

            var rating = request.Rating;
            if (rating?.Satisfied is not (>= 0 and <= MaxVotes) || rating.BasicallySatisfied is not (>= 0 and <= MaxVotes)
                || rating.Dissatisfied is not (>= 0 and <= MaxVotes))
            {
                errors["rating"] = [$"Counts of satisfied, basicallySatisfied and dissatisfied, each 0 to {MaxVotes}."];
            }
            else if (rating.Satisfied + rating.BasicallySatisfied + rating.Dissatisfied == 0)
            {
                errors["rating"] = ["The democratic rating needs at least one vote."];
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var total = sheet.Items.Sum(i => scores[i.Key]);
            var ratings = rating!.Satisfied!.Value + rating.BasicallySatisfied!.Value + rating.Dissatisfied!.Value;
            var passed = total >= sheet.PassMark && rating.Dissatisfied.Value * 2 <= ratings;
            var existing = await store.Db.Set<AcceptanceRecord>().Where(a => a.CaseId == @case.Id && a.StageVisit == @case.StageVisit).ToListAsync(cancellationToken);
            store.Db.RemoveRange(existing);
            var record = new AcceptanceRecord
            {
                CaseId = @case.Id,
                StageVisit = @case.StageVisit,
                Total = total,
                PassMark = sheet.PassMark,
                Satisfied = rating.Satisfied.Value,
                BasicallySatisfied = rating.BasicallySatisfied.Value,
                Dissatisfied = rating.Dissatisfied.Value,
                Passed = passed,
                Note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim(),
                RecordedByName = actor.DisplayName,
                RecordedAt = clock.GetUtcNow(),
                Scores = sheet.Items.Select(i => new AcceptanceScore { Item = i.Key, Points = scores[i.Key] }).ToList(),
            };
            store.Db.Add(record);
            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "acceptance", "record-acceptance",
                $"得分 {total}（合格线 {sheet.PassMark}），民主测评 满意 {record.Satisfied} / 基本满意 {record.BasicallySatisfied} / 不满意 {record.Dissatisfied}：{(passed ? "合格" : "不合格")}");
            await store.SaveAsync(cancellationToken);
            return record;
        }
    }

    public static AcceptanceView View(AcceptanceSheet sheet, AcceptanceRecord? record) => new(sheet, record is null
        ? null
        : new AcceptanceView.Recorded(record.Total, record.PassMark, record.Scores.ToDictionary(s => s.Item, s => s.Points), record.Satisfied,
            record.BasicallySatisfied, record.Dissatisfied, record.Passed, record.Passed ? "合格" : "不合格", record.Note, record.RecordedByName,
            ShanghaiTime.ToLocal(record.RecordedAt)));

    /// <summary>The acceptance facts of a case's current stage visit, for the guard.</summary>
    public static async Task<AcceptanceFacts?> FactsAsync(AppDbContext db, Case @case, CancellationToken cancellationToken) =>
        await db.Set<AcceptanceRecord>().AsNoTracking()
            .Where(a => a.CaseId == @case.Id && a.StageVisit == @case.StageVisit)
            .Select(a => new AcceptanceFacts(a.Total, a.PassMark, a.Dissatisfied, a.Satisfied + a.BasicallySatisfied + a.Dissatisfied, a.Passed))
            .FirstOrDefaultAsync(cancellationToken);
}
