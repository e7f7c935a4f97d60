using Rectification.Server.Features.Alerts;
using Rectification.Server.Features.Channels;
using Rectification.Server.Features.Dispatch;

namespace Rectification.Server.Features.Timers;

/// <summary>One sweep of everything that falls due, in order: timer transitions, then alerts (so a case a timer just moved
/// on is judged by its new stage), the weekly dispatch, delivery of the outbox, and forgetting old idempotent answers.</summary>
public sealed class Sweep(FireDueTimers timers, RaiseAlerts alerts, WeeklyDispatch dispatch, Outbox outbox, IServiceScopeFactory scopes, TimeProvider clock,
    ILogger<Sweep> logger)
{
    /// <summary>What one sweep did: the timers it fired, and the time it started at, which every step saw or passed.</summary>
    public sealed record Outcome(int Fired, DateTimeOffset StartedAt);

    /// <summary>Raised after each sweep, so tests can wait for a sweep started by the scheduler instead of sleeping. A sweep
    /// already running when the clock moved completes too: waiters check <see cref="Outcome.StartedAt"/>.</summary>
    public event Action<Outcome>? Completed;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var fired = await timers.RunAsync(cancellationToken);
        await alerts.RunAsync(cancellationToken);
        await dispatch.RunAsync(cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        using (var scope = scopes.CreateScope())
        {
            await Infrastructure.Idempotency.PurgeAsync(scope.ServiceProvider.GetRequiredService<Data.AppDbContext>(), startedAt, cancellationToken);
        }

        // Read by the benchmark harness (the empty sweep's cost at national scale); a slow sweep is worth an operator's eye.
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        logger.Log(elapsed > TimeSpan.FromSeconds(1) ? LogLevel.Information : LogLevel.Debug, "Sweep done in {ElapsedMs:F1} ms; {Fired} timers fired",
            elapsed.TotalMilliseconds, fired);
        Completed?.Invoke(new Outcome(fired, startedAt));
        return fired;
    }
}
