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
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        if (pending.Count > 0)
        {
            logger.LogInformation("Database migrated: {Migrations}", pending);
        }

        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one request writes; it is a property of the file, so set once here.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await flows.LoadAsync(db, cancellationToken);
        await scope.ServiceProvider.GetRequiredService<Features.Cases.RecomputeDeadlines>().RunAsync(cancellationToken);
        if (demo.Seed)
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
