using Npgsql;
using Rectification.Processes;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Cluster;

/// <summary>Two service processes on one PostgreSQL database, Quartz clustered: a batch of deadlines falls due, one node
/// is killed mid-way, and every overdue alert is still raised, exactly once. Runs on real time, as two processes cannot
/// share a fake clock: it waits for conditions, never for a fixed time. PostgreSQL only (tests/run.sh's second pass).</summary>
[Trait("Category", "Cluster")]
public sealed class TwoNodeTests : IDisposable
{
    private const int Items = 300;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "rectification-cluster", Guid.NewGuid().ToString("N"));

    private readonly string _database = "rect_cluster_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task DeadlinesFallingDue_OneNodeKilledMidway_EachAlertRaisedExactlyOnce()
    {
        var server = RectificationApp.RequirePostgres("The cluster test");
        var connectionString = $"{server};Database={_database}";
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Rectification"] = connectionString,
            ["Demo:Seed"] = "true",
            ["Timers:SweepInterval"] = "00:00:01",
            ["Timers:ClusterCheckinInterval"] = "00:00:01",
        };

        // One node seeds and migrates; the second joins the cluster it finds.
        using var first = ServiceProcess.Start(Directory.CreateDirectory(Path.Combine(_root, "a")).FullName, settings, "Testing");
        await first.WaitHealthyAsync(TimeSpan.FromMinutes(1));
        using var second = ServiceProcess.Start(Directory.CreateDirectory(Path.Combine(_root, "b")).FullName, settings, "Testing");
        await second.WaitHealthyAsync(TimeSpan.FromMinutes(1));
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        Assert.Equal(2L, await db.ScalarAsync("SELECT count(*) FROM qrtz_scheduler_state"));

        // A batch of ledger items falling due one after another over eight seconds, from three seconds on; NextAlertAt 0 marks
        // them due for the sweep, as the service's own save would.
        var start = TimeProvider.System.GetUtcNow().AddSeconds(3);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO "LedgerItems" ("CaseId", "CountyId", "TownshipId", "VillageId", "Source", "Problem", "Measure", "Target",
                "TownshipResponsible", "VillageResponsible", "Deadline", "Status", "ReopenCount", "ExtensionCount", "CreatedAt", "NextAlertAt")
            SELECT "CaseId", "CountyId", "TownshipId", "VillageId", "Source", "Problem", 'cluster ' || g, "Target",
                "TownshipResponsible", "VillageResponsible", @start + g * @step, 'Open', 0, 0, "CreatedAt", 0
            FROM "LedgerItems", generate_series(1, @items) AS g
            WHERE "Id" = (SELECT min("Id") FROM "LedgerItems" WHERE "Status" = 'Open')
            """, db))
        {
            insert.Parameters.AddWithValue("start", start.UtcTicks);
            insert.Parameters.AddWithValue("step", TimeSpan.FromSeconds(8).Ticks / Items);
            insert.Parameters.AddWithValue("items", Items);
            Assert.Equal(Items, await insert.ExecuteNonQueryAsync());
        }

        const string Overdue = """
            SELECT count(*) FROM "Alert" a JOIN "LedgerItems" i ON i."Id" = a."LedgerItemId"
            WHERE a."Kind" = 'Overdue' AND i."Measure" LIKE 'cluster %'
            """;
        // Half-way through the batch, the first node dies without a word.
        await WaitUntilAsync(() => TimeProvider.System.GetUtcNow() > start.AddSeconds(4), "the middle of the batch");
        var raisedBeforeKill = await db.ScalarAsync(Overdue);
        first.Kill();

        await WaitUntilAsync(async () => await db.ScalarAsync(Overdue) >= Items, $"{Items} overdue alerts", TimeSpan.FromSeconds(60));
        Assert.False(second.HasExited);
        Assert.InRange(raisedBeforeKill, 1, Items - 1);
        Assert.Equal(Items, await db.ScalarAsync(Overdue));
        Assert.Equal(0L, await db.ScalarAsync("""
            SELECT count(*) FROM (SELECT a."LedgerItemId", a."Kind", a."Level" FROM "Alert" a
            GROUP BY a."LedgerItemId", a."Kind", a."Level", a."DueAt" HAVING count(*) > 1) AS doubled
            """));
    }

    public void Dispose()
    {
        if (RectificationApp.Postgres is { } server)
        {
            using var connection = new NpgsqlConnection($"{server};Database=postgres");
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A log file still held by a dying process; the temp folder is cleaned eventually.
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what, TimeSpan.FromSeconds(30));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan limit)
    {
        var until = TimeProvider.System.GetUtcNow() + limit;
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < until, $"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
