using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Ledger;

/// <summary>The three things that happen to a ledger item: the township side reports it done, an inspector ticks it off
/// (销号) after verifying it, or an inspector reopens it. Each is recorded in the case's history and bumps the case's
/// version, so two people changing one case at once cannot both win.</summary>
public static class ChangeLedgerItem
{
    /// <summary>How an inspector may verify an item, as the source names them.</summary>
    public static readonly IReadOnlyList<string> VerificationMethods = ["书记访谈", "查看资料", "实地走访", "群众座谈"];

    public sealed record ReportRequest(string? Note);

    public sealed record TickRequest(string? Method, string? Note);

    public sealed record ReopenRequest(string? Reason);

    public sealed record ExtensionRequest(string? Deadline, string? Reason);

    public sealed record ExtensionDecision(bool? Approve, string? Comment);

    public sealed class Handler(CaseStore store, CaseTransitions transitions, TimeProvider clock)
    {
        /// <summary>Each round of a race, one save wins; so many people changing one village's ledger in the same instant
        /// is far beyond what happens, and a save still losing after that many rounds answers 409.</summary>
        private const int MaxAttempts = 16;

        public Task<Result<LedgerItemView>> ReportAsync(CurrentUser actor, int itemId, ReportRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(actor, itemId, [Roles.TownshipSecretary, Roles.FirstSecretary], LedgerStatus.Open, "report", item =>
            {
                if (string.IsNullOrWhiteSpace(request.Note) || request.Note.Length > 2000)
                {
                    return Problem.Invalid("note", "Say what was done (at most 2000 characters).");
                }

                item.Status = LedgerStatus.Reported;
                item.ReportNote = request.Note.Trim();
                item.ReportedAt = clock.GetUtcNow();
                item.ReportedByName = actor.DisplayName;
                return item.ReportNote;
            }, cancellationToken);

        public Task<Result<LedgerItemView>> TickAsync(CurrentUser actor, int itemId, TickRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(actor, itemId, [Roles.Inspector], LedgerStatus.Reported, "tick", item =>
            {
                if (request.Method is null || !VerificationMethods.Contains(request.Method))
                {
                    return Problem.Invalid("method", $"How it was verified: one of {string.Join("、", VerificationMethods)}.");
                }

                if (request.Note is { Length: > 2000 })
                {
                    return Problem.Invalid("note", "At most 2000 characters.");
                }

                item.Status = LedgerStatus.Closed;
                item.ClosedAt = clock.GetUtcNow();
                item.ClosedByName = actor.DisplayName;
                item.VerificationMethod = request.Method;
                return $"{request.Method}{(string.IsNullOrWhiteSpace(request.Note) ? "" : "：" + request.Note.Trim())}";
            }, cancellationToken);

        public Task<Result<LedgerItemView>> ReopenAsync(CurrentUser actor, int itemId, ReopenRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(actor, itemId, [Roles.Inspector], null, "reopen", item =>
            {
                if (item.Status == LedgerStatus.Open)
                {
                    return Problem.Conflict($"Ledger item {item.Id} is already open.");
                }

                if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 2000)
                {
                    return Problem.Invalid("reason", "Say why it is not really fixed (at most 2000 characters).");
                }

                item.Status = LedgerStatus.Open;
                item.ReopenCount++;
                item.ReopenReason = request.Reason.Trim();
                item.ClosedAt = null;
                item.ClosedByName = null;
                item.VerificationMethod = null;
                return item.ReopenReason;
            }, cancellationToken);

        /// <summary>The township side asks for a later deadline, with a reason; the county decides.</summary>
        public Task<Result<LedgerItemView>> RequestExtensionAsync(CurrentUser actor, int itemId, ExtensionRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(actor, itemId, [Roles.TownshipSecretary, Roles.FirstSecretary], LedgerStatus.Open, "request-extension", item =>
            {
                if (!Workflow.Time.ShanghaiTime.TryParseDay(request.Deadline, out var asked) || Workflow.Time.ShanghaiTime.EndOfDay(asked) <= item.Deadline)
                {
                    return Problem.Invalid("deadline", "A date (yyyy-MM-dd) after the current deadline.");
                }

                if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 2000)
                {
                    return Problem.Invalid("reason", "Say why more time is needed (at most 2000 characters).");
                }

                item.RequestedDeadline = asked;
                item.ExtensionReason = request.Reason.Trim();
                return $"申请延期至 {asked:yyyy-MM-dd}：{item.ExtensionReason}";
            }, cancellationToken);

        /// <summary>The county approves (the deadline moves and the count of extensions grows) or refuses a request.</summary>
        public Task<Result<LedgerItemView>> DecideExtensionAsync(CurrentUser actor, int itemId, ExtensionDecision decision, CancellationToken cancellationToken) =>
            ChangeAsync(actor, itemId, [Roles.CountyAdmin], null, "decide-extension", item =>
            {
                if (item.RequestedDeadline is not { } asked)
                {
                    return Problem.Conflict($"Ledger item {item.Id} has no pending extension request.");
                }

                if (decision.Approve is not { } approve)
                {
                    return Problem.Invalid("approve", "true to grant the extension, false to refuse it.");
                }

                if (decision.Comment is { Length: > 2000 })
                {
                    return Problem.Invalid("comment", "At most 2000 characters.");
                }

                var before = item.Deadline;
                if (approve)
                {
                    item.Deadline = Workflow.Time.ShanghaiTime.EndOfDay(asked);
                    item.ExtensionCount++;
                }

                item.RequestedDeadline = null;
                return $"{(approve ? "同意延期" : "不同意延期")}：{Workflow.Time.ShanghaiTime.DateOf(before):yyyy-MM-dd} → {asked:yyyy-MM-dd}{(string.IsNullOrWhiteSpace(decision.Comment) ? "" : "，" + decision.Comment.Trim())}";
            }, cancellationToken);

        private async Task<Result<LedgerItemView>> ChangeAsync(CurrentUser actor, int itemId, string[] roles, LedgerStatus? from, string action,
            Func<LedgerItem, Result<string>> change, CancellationToken cancellationToken)
        {
            // Every change to an item bumps its case's version, so a change to another item of the same case, committed
            // meanwhile, makes this save lose a race it has nothing to do with. It is read again and re-checked: a real
            // conflict (the same item ticked twice) then fails its check and answers 409. Not inside a caller's transaction:
            // PostgreSQL has aborted it, and the caller decides.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await TryChangeAsync(actor, itemId, roles, from, action, change, cancellationToken);
                }
                catch (DbUpdateException lost) when (attempt < MaxAttempts && store.Db.Database.CurrentTransaction is null && ProblemExceptionHandler.IsLostRace(lost))
                {
                    store.Db.ChangeTracker.Clear();
                }
            }
        }

        private async Task<Result<LedgerItemView>> TryChangeAsync(CurrentUser actor, int itemId, string[] roles, LedgerStatus? from, string action,
            Func<LedgerItem, Result<string>> change, CancellationToken cancellationToken)
        {
            // The case and the item in one statement, so from one snapshot: a change committed after it has bumped the
            // case's version, so two racing tick-offs cannot both succeed. The case's collections are not needed here.
            // What the answer shows besides (the names, the situations) comes in the same statement: read again after
            // the save, they were two more queries and a sixth of an action's cost.
            var found = await store.VisibleTo(actor)
                .Join(store.Db.LedgerItems.Where(i => i.Id == itemId), c => c.Id, i => i.CaseId, (c, i) => new
                {
                    Case = c,
                    Item = i,
                    Village = store.Db.OrgUnits.Where(o => o.Id == i.VillageId).Select(o => o.Name).FirstOrDefault(),
                    Township = store.Db.OrgUnits.Where(o => o.Id == i.TownshipId).Select(o => o.Name).FirstOrDefault(),
                    Situations = i.Situations.Select(s => s.Code).ToList(),
                })
                .AsSingleQuery()
                .SingleOrDefaultAsync(cancellationToken);
            if (found is null)
            {
                return Problem.NotFound($"No ledger item {itemId}.");
            }

            var (@case, item) = (found.Case, found.Item);

            if (actor.IsReadOnly || !roles.Any(actor.Has))
            {
                return Problem.Forbidden(action switch
                {
                    "report" or "request-extension" => "Only the township side (township secretary, first secretary) reports an item done or asks for more time.",
                    "decide-extension" => "Extensions are granted by the county organisation department.",
                    _ => "Only inspectors tick items off or reopen them.",
                });
            }

            if (@case.EndedAt is not null)
            {
                return Problem.Conflict("The case is closed; its ledger is kept as it was.");
            }

            if (action == "decide-extension" && item.Status == LedgerStatus.Closed)
            {
                return Problem.Conflict($"Ledger item {item.Id} is closed.");
            }

            if (from is { } expected && item.Status != expected)
            {
                return Problem.Conflict($"Ledger item {item.Id} is {item.Status.ToString().ToLowerInvariant()}; it must be {expected.ToString().ToLowerInvariant()} to {action}.");
            }

            var comment = change(item);
            if (!comment.Succeeded)
            {
                return comment.Problem;
            }

            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "ledger", action, $"#{item.Id} {item.Measure}：{comment.Value}");
            await store.SaveAsync(cancellationToken);
            return ListLedger.View(item, found.Village ?? "", found.Township ?? "", clock.GetUtcNow(), found.Situations);
        }
    }
}
