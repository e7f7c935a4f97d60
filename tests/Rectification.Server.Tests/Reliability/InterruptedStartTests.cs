using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Features.Cases;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>A first start cut short (SIGKILL, a power cut, Ctrl-C) leaves nothing that stops the next one. Found by the
/// crash harness; reproduced here deterministically on the embedded SQLite file, in both passes of tests/run.sh.</summary>
public sealed class InterruptedStartTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"))).FullName;

    [Fact]
    public async Task KilledWhileMigrating_NextStart_ClearsTheLockLeftBehind_AndFinishesTheMigration()
    {
        // What a process killed half-way through migrating leaves: the first migrations applied, EF Core's lock row still there.
        var options = new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={Path.Combine(_directory, "rectification.db")};Pooling=False").Options;
        await using (var db = new AppDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261124050251_PlansAndLedger");
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-03-02 01:00:00+00:00')""");
        }

        // Before the fix the start waited for that lock forever.
        using var app = new SqliteApp(_directory);
        using var admin = await Task.Run(() => app.ClientForAsync("county-admin")).WaitAsync(TimeSpan.FromSeconds(60));
        var cases = await (await admin.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(7, cases.GetProperty("total").GetInt32());
        await using var after = new AppDbContext(options);
        Assert.Empty(await after.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await after.Database.SqlQueryRaw<int>("""SELECT count(*) AS "Value" FROM "__EFMigrationsLock" """).SingleAsync());
    }

    [Fact]
    public async Task KilledWhileSeedingTheDemo_NextStart_SeedsItWhole()
    {
        // The first start dies while it proposes the third demo case: the save that throws stands for the kill, as what it
        // was writing is never committed.
        using (var dying = new DyingApp(_directory))
        {
            await Assert.ThrowsAnyAsync<InvalidOperationException>(() => dying.ClientForAsync("county-admin"));
        }

        // Before the fix the org units, accounts and two cases were left, and the next start, finding org units, seeded nothing more.
        using var app = new SqliteApp(_directory);
        using var admin = await app.ClientForAsync("county-admin");
        var cases = await (await admin.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(7, cases.GetProperty("total").GetInt32());
        Assert.Equal(49, (await (await admin.GetAsync("/api/v1/orgs")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray()
            .Count(o => o.GetProperty("level").GetString() == "village"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    /// <summary>The service over this test's folder on SQLite, whichever provider the pass runs the suite on.</summary>
    private class SqliteApp(string directory) : RectificationApp(directory, Start)
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Rectification"] = $"Data Source={DatabaseFile}",
        };
    }

    /// <summary>A first start that dies while the demo is being seeded.</summary>
    private sealed class DyingApp(string directory) : SqliteApp(directory)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.ConfigureDbContext<AppDbContext>((_, o) => o.AddInterceptors(new DiesOnThirdCase())));
        }
    }

    private sealed class DiesOnThirdCase : SaveChangesInterceptor
    {
        private int _cases;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default) =>
            eventData.Context!.ChangeTracker.Entries<Case>().Any(e => e.State == EntityState.Added) && ++_cases == 3
                ? throw new InvalidOperationException("The process dies here.")
                : base.SavingChangesAsync(eventData, result, cancellationToken);
    }
}
