using Quartz;
using Rectification.Server.Data;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Timers;

/// <summary>Registers the timer machinery: our due-timer table swept by a Quartz job, Quartz persisting its
/// triggers in the same SQLite file.</summary>
public static class TimerSetup
{
    public static WebApplicationBuilder AddTimers(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TimerOptions.Section).Get<TimerOptions>() ?? new TimerOptions();
        if (options.SweepInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Timers:SweepInterval must be positive.");
        }

        var storage = builder.Storage();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<FireDueTimers>();
        builder.Services.AddSingleton<Sweep>();
        builder.Services.AddSingleton<ITimerScheduler, QuartzTimerScheduler>();
        builder.Services.AddQuartz(q =>
        {
            // Quartz reads the clock the container holds, so a test's fake clock drives it too.
            q.ConfigureScheduler(s => s.InstanceName = options.SchedulerName);
            q.AddJob<DueTimersJob>(j => j.WithIdentity(DueTimersJob.Key).StoreDurably());
            q.AddTrigger(t => t
                .ForJob(DueTimersJob.Key)
                .WithIdentity("due-timers-sweep", "rectification")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.SweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            q.UsePersistentStore(s =>
            {
                if (storage.Provider == DatabaseProvider.Postgres)
                {
                    // Several nodes share one database: each trigger fires on exactly one of them, and when a node dies
                    // another takes its triggers over once it has missed its check-ins.
                    s.UsePostgres(Npgsql.NpgsqlFactory.Instance, storage.ConnectionString);
                    s.UseClustering(c =>
                    {
                        c.CheckinInterval = options.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = options.ClusterCheckinInterval * 2;
                    });
                }
                else
                {
                    // Quartz refuses to cluster on SQLite: one node owns the file.
                    s.UseSqlite(SqliteBusyWait.Factory.Instance, storage.ConnectionString);
                }

                s.ProvisionSchema();
            });
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}
