using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Demo;
using Rectification.Server.Features.Workflows;

namespace Rectification.Server.Infrastructure;

/// <summary>Brings the database up to date and loads the flows before anything else starts (the scheduler and the
/// web server come after it). Runs as a hosted service so the test host runs it too; an invalid flow file stops
/// start-up with every error listed.</summary>
public sealed class StartupInitializer(IServiceScopeFactory scopes, FlowCatalog flows, DemoOptions demo, ILogger<StartupInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        // Only when something is pending: migrating takes a lock and compares the whole model, most of a second at start-up.
        if (pending.Count > 0)
        {
            if (db.Database.IsSqlite())
            {
                await ClearStaleMigrationLockAsync(db, cancellationToken);
            }

            await db.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("Database migrated: {Migrations}", pending);
        }

        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one request writes; it is a property of the file, so set once here.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var migrated = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        await flows.LoadAsync(db, cancellationToken);
        var loaded = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        // Before anything appends to a history: a new entry chains onto its case's sealed head.
        await scope.ServiceProvider.GetRequiredService<Features.Audit.SealHistory>().RunAsync(cancellationToken);
        await scope.ServiceProvider.GetRequiredService<Features.Cases.RecomputeDeadlines>().RunAsync(cancellationToken);
        // Start-up time is a target (3 s on a national database); this says where it goes.
        logger.LogInformation("Database ready in {MigratedMs:F0} ms, flows loaded at {LoadedMs:F0} ms, deadlines checked at {CheckedMs:F0} ms",
            migrated.TotalMilliseconds, loaded.TotalMilliseconds, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (demo.Seed)
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
        }

        // Start-up read every open case of the database once; give that memory back before serving, rather than keep a
        // national database's worth of garbage resident until the heap happens to shrink.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>EF Core's migration lock on SQLite is a row in <c>__EFMigrationsLock</c>, not a lock a connection holds: a
    /// process killed while migrating leaves the row behind, and every later start waits for it forever. One process owns
    /// a SQLite file (Quartz refuses to cluster on it), so a lock found before this process migrates is a dead one's.</summary>
    private async Task ClearStaleMigrationLockAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var tables = await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
            .SingleAsync(cancellationToken);
        if (tables > 0 && await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"", cancellationToken) > 0)
        {
            logger.LogWarning("Cleared the migration lock left by a process that stopped while migrating this database");
        }
    }
}
