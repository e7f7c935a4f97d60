using System.Globalization;
using Quartz;

namespace Rectification.Server.Features.Timers;

/// <summary>Asks the scheduler to wake up when timers fall due.</summary>
public interface ITimerScheduler
{
    Task ScheduleAsync(IReadOnlyCollection<CaseTimer> timers, CancellationToken cancellationToken);
}

/// <summary>Timer settings, bound from the <c>Timers</c> section.</summary>
public sealed record TimerOptions
{
    public const string Section = "Timers";

    /// <summary>How often the safety sweep looks for due timers whatever the triggers did. Default: 1 minute.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The Quartz scheduler's name; all nodes of one deployment share it. Default: Rectification.</summary>
    public string SchedulerName { get; init; } = "Rectification";

    /// <summary>How often a clustered node (PostgreSQL) tells the others it is alive; a node silent for twice this is
    /// taken to be dead and its triggers are taken over. Default: 10 seconds.</summary>
    public TimeSpan ClusterCheckinInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Puts a one-shot Quartz trigger at each timer's due time, in Quartz's persistent store. The trigger only
/// starts a sweep, which reads our own table: a lost trigger is caught by the periodic sweep, a repeated one finds
/// nothing left to do.</summary>
public sealed class QuartzTimerScheduler(ISchedulerFactory schedulers, TimeProvider clock, ILogger<QuartzTimerScheduler> logger) : ITimerScheduler
{
    public async Task ScheduleAsync(IReadOnlyCollection<CaseTimer> timers, CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            foreach (var timer in timers)
            {
                // Built on our clock: a trigger built on the system clock misfires or waits when a test moves a fake one.
                var trigger = TriggerBuilder.Create(clock)
                    .WithIdentity("timer-" + timer.Id.ToString(CultureInfo.InvariantCulture), "case-timers")
                    .ForJob(DueTimersJob.Key)
                    .StartAt(timer.DueAt)
                    .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
                    .Build();
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SchedulerException or InvalidOperationException or System.Data.Common.DbException)
        {
            // The timer rows are committed; the periodic sweep will still fire them.
            logger.LogWarning(ex, "Could not schedule triggers for {Count} timers; the periodic sweep will fire them", timers.Count);
        }
    }
}

/// <summary>The Quartz job behind every timer trigger: thin, it logs and runs the sweep.</summary>
[DisallowConcurrentExecution]
public sealed class DueTimersJob(Sweep sweep, ILogger<DueTimersJob> logger) : IJob
{
    public static readonly JobKey Key = new("due-timers", "rectification");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        logger.LogDebug("Timer sweep started by {Trigger}", context.Trigger.Key);
        var fired = await sweep.RunAsync(cancellationToken);
        if (fired > 0)
        {
            logger.LogInformation("Timer sweep fired {Count} timers", fired);
        }
    }
}
