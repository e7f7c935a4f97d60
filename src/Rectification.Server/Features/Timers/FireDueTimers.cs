using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Workflows;

namespace Rectification.Server.Features.Timers;

/// <summary>Fires every timer that has fallen due: the case takes the timer's transition as the system.
/// Each timer fires in its own transaction, at most once; a timer whose case has left the stage is cancelled.</summary>
public sealed class FireDueTimers(IServiceScopeFactory scopes, TimeProvider clock, ILogger<FireDueTimers> logger)
{
    /// <summary>Timers handled per sweep; the next sweep takes the rest.</summary>
    public const int BatchSize = 500;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<int> due;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            due = await db.CaseTimers.AsNoTracking()
                .Where(t => t.FiredAt == null && t.CancelledAt == null && t.DueAt <= now)
                .OrderBy(t => t.DueAt)
                .Select(t => t.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
        }

        var fired = 0;
        foreach (var id in due)
        {
            try
            {
                if (await FireAsync(id, now, cancellationToken))
                {
                    fired++;
                }
            }
            catch (DbUpdateException ex)
            {
                // Someone acted on the case meanwhile; the timer is still pending and the next sweep looks again.
                logger.LogWarning(ex, "Timer {TimerId} not fired this sweep: the case changed concurrently", id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken case must not hold up every timer due after it.
                logger.LogError(ex, "Timer {TimerId} failed to fire; it stays pending", id);
            }
        }

        return fired;
    }

    private async Task<bool> FireAsync(int timerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AppDbContext>();
        var timer = await db.CaseTimers.SingleAsync(t => t.Id == timerId, cancellationToken);
        if (timer.FiredAt is not null || timer.CancelledAt is not null)
        {
            return false;
        }

        var @case = await db.Cases
            .Include(c => c.Timers.Where(t => t.FiredAt == null && t.CancelledAt == null))
            .SingleAsync(c => c.Id == timer.CaseId, cancellationToken);
        var flow = services.GetRequiredService<FlowCatalog>().Get(@case.FlowVersionId).Definition;
        var definition = flow.FindStage(timer.Stage)?.Timers.FirstOrDefault(t => t.Key == timer.TimerKey);
        if (@case.SuspendedAt is not null)
        {
            // Its clocks stop: resuming moves the timer on by the time suspended.
            return false;
        }

        if (@case.StageVisit != timer.StageVisit || @case.Stage != timer.Stage || definition is null)
        {
            timer.CancelledAt = now;
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        timer.FiredAt = now;
        var transitions = services.GetRequiredService<CaseTransitions>();
        transitions.Move(@case, flow.GetStage(definition.To), Actor.System, "timer", definition.Key, $"{definition.Name}（{definition.After}）", []);
        await services.GetRequiredService<CaseStore>().SaveAsync(cancellationToken);
        return true;
    }
}
