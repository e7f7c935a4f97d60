using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>The county suspends a case (e.g. during a village election) and resumes it. While suspended its clocks stop:
/// no timers fire, no alerts are raised, no actions are taken; on resume every open deadline moves on by the working
/// days the suspension lasted, and timers by the time it lasted, so the remaining time is what it was.</summary>
public static class SuspendCase
{
    public sealed record Request(string? Reason);

    public sealed class Handler(CaseStore store, CaseTransitions transitions, IWorkingCalendar calendar, TimeProvider clock)
    {
        public async Task<Result<Case>> SuspendAsync(CurrentUser actor, int caseId, int? expectedVersion, Request request, CancellationToken cancellationToken)
        {
            var @case = await LoadAsync(actor, caseId, expectedVersion, cancellationToken);
            if (!@case.Succeeded)
            {
                return @case;
            }

            if (@case.Value.SuspendedAt is not null || @case.Value.EndedAt is not null)
            {
                return Problem.Conflict(@case.Value.EndedAt is null ? "The case is already suspended." : "The case is closed.");
            }

            if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > Preconditions.MaxCommentLength)
            {
                return Problem.Invalid("reason", "Say why the case is suspended (e.g. 村“两委”换届).");
            }

            @case.Value.SuspendedAt = clock.GetUtcNow();
            transitions.Record(@case.Value, new Actor(actor.Id, actor.DisplayName, actor.UserName), "suspension", "suspend", request.Reason.Trim());
            await store.SaveAsync(cancellationToken);
            return @case;
        }

        public async Task<Result<Case>> ResumeAsync(CurrentUser actor, int caseId, int? expectedVersion, Request request, CancellationToken cancellationToken)
        {
            var loaded = await LoadAsync(actor, caseId, expectedVersion, cancellationToken);
            if (!loaded.Succeeded)
            {
                return loaded;
            }

            var @case = loaded.Value;
            if (@case.SuspendedAt is not { } since)
            {
                return Problem.Conflict("The case is not suspended.");
            }

            var now = clock.GetUtcNow();
            var paused = now - since;
            var workingDays = DurationExpression.CountWorkingDays(ShanghaiTime.DateOf(since), ShanghaiTime.DateOf(now), calendar);
            if (@case.StageDeadline is { } deadline)
            {
                @case.StageDeadline = ShanghaiTime.ShiftByWorkingDays(deadline, workingDays, calendar);
                @case.DeadlineShift += workingDays;
            }

            foreach (var item in await store.Db.LedgerItems.Where(i => i.CaseId == @case.Id && i.Status != LedgerStatus.Closed).ToListAsync(cancellationToken))
            {
                item.Deadline = ShanghaiTime.ShiftByWorkingDays(item.Deadline, workingDays, calendar);
            }

            foreach (var timer in @case.Timers)
            {
                timer.DueAt += paused;
            }

            @case.SuspendedAt = null;
            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "suspension", "resume",
                $"暂停 {workingDays} 个工作日，期限顺延{(string.IsNullOrWhiteSpace(request.Reason) ? "" : "：" + request.Reason.Trim())}");
            await store.SaveAsync(cancellationToken);
            return @case;
        }

        private async Task<Result<Case>> LoadAsync(CurrentUser actor, int caseId, int? expectedVersion, CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            if (actor.IsReadOnly || !actor.Has(Roles.CountyAdmin))
            {
                return Problem.Forbidden("Cases are suspended and resumed by the county organisation department.");
            }

            return Preconditions.Check(expectedVersion, @case.Version, null) is { } refused ? refused : @case;
        }
    }
}
