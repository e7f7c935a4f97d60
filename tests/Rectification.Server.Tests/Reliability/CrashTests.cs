using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml;
using Microsoft.Data.Sqlite;
using Npgsql;
using Rectification.Processes;
using Rectification.Server.Tests.Alerts;
using Rectification.Server.Tests.Infrastructure;
using Rectification.Workflow.Time;
using Xunit.Abstractions;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Crash safety: the service runs as a process of its own over a data folder, under concurrent actions and
/// tick-offs, and is killed with SIGKILL at a random moment, round after round (now and then again while it starts up).
/// After each restart: every change answered 2xx is there, none is half-applied, no alert is lost or doubled, and the
/// scheduler catches up. RECTIFICATION_CRASH_ROUNDS sets the rounds (3 by default, for CI) and RECTIFICATION_CRASH_SEED
/// replays a run: every failure names its seed. Runs on real time, waiting for conditions, as a process cannot share the
/// tests' fake clock; deadlines fall due on the service's drill clock (Clock:Simulated). On SQLite, and on PostgreSQL in
/// tests/run.sh's second pass.</summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Users = [CrashWorkload.Admin, CrashWorkload.Inspector, CrashWorkload.FirstSecretary, "township-secretary",
        "township-secretary-2", "city-viewer"];

    private static readonly TimeSpan HealthLimit = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(60);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "rectification-crash", Guid.NewGuid().ToString("N"));

    private readonly string _database = "rect_crash_" + Guid.NewGuid().ToString("N");

    private readonly ChannelTests.WebhookReceiver _channel = new(failures: 0);

    private readonly List<string> _serverErrors = [];

    private ServiceProcess? _service;

    private bool _keepData;

    [Fact]
    public async Task KilledAtRandomMoments_KeepsEveryAcknowledgedChange_HalfAppliesNothing_AndRaisesEachAlertOnce()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("RECTIFICATION_CRASH_ROUNDS"), CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 3;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RECTIFICATION_CRASH_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var replay = $"RECTIFICATION_CRASH_SEED={seed} RECTIFICATION_CRASH_ROUNDS={rounds} on {(RectificationApp.Postgres is null ? "SQLite" : "PostgreSQL")}";
        output.WriteLine(replay);
        try
        {
            await RunAsync(seed, rounds);
        }
        catch (Exception ex)
        {
            _keepData = true;
            throw new InvalidOperationException($"Crash harness failed ({replay}; data kept in {_root}): {ex.Message}", ex);
        }
    }

    private async Task RunAsync(int seed, int rounds)
    {
        var random = new Random(seed);
        var data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        var total = Stopwatch.StartNew();
        var calendar = LoadCalendar();

        // The very first start is killed too, at a moment drawn like the others: while it migrates, while it seeds the
        // demo, or once it is up. The next start must finish the job.
        _service = ServiceProcess.Start(data, Settings(data));
        var firstKill = random.Next(200, 4000);
        await Task.Delay(firstKill);
        _service.Kill();
        output.WriteLine($"first start killed after {firstKill} ms: {await FirstStartStateAsync()}");
        _service.Dispose();
        _service = ServiceProcess.Start(data, Settings(data));
        await _service.WaitHealthyAsync(HealthLimit);
        var tokens = await CrashSession.SignInAsync(_service.Url, Users);
        var world = await WorldAsync(_service.Url, tokens);
        var workload = new CrashWorkload(world, seed);
        var (snapshot, _) = await VerifyAsync(0, workload, tokens, calendar, null);
        Assert.Equal(7, snapshot.Cases.Count);
        using (var session = new CrashSession(_service.Url, tokens, _serverErrors))
        {
            await workload.SeedLedgerAsync(session, snapshot.Cases.Where(c => world.Secretaries.ContainsKey(c.TownshipId)).Select(c => c.Id));
        }

        var baseline = snapshot.History.SelectMany(g => g).Where(e => e.Kind is "plan" or "acceptance")
            .GroupBy(e => (e.CaseId, e.Kind)).ToDictionary(g => g.Key, g => g.Count());

        var startupKills = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var killAt = TimeSpan.FromMilliseconds(random.Next(0, 3500));
            var journalled = workload.Journal.Count;
            var acknowledged = workload.Acknowledged;
            using (var session = new CrashSession(_service.Url, tokens, _serverErrors))
            using (var stop = new CancellationTokenSource())
            {
                var cases = snapshot.Cases.Where(c => world.Secretaries.ContainsKey(c.TownshipId) && c.Stage is not ("converted" or "closed" or "dismissed"))
                    .Select(c => c.Id);
                var occupied = snapshot.Cases.Where(c => c.OpenYear is not null).Select(c => c.VillageId).ToHashSet();
                var load = workload.RunAsync(round, session, cases, world.TownshipOfVillage.Keys.Where(v => !occupied.Contains(v)), killAt, stop.Token);

                // The kill comes at a moment drawn from the seed once the load is under way (a fresh process takes a while to
                // answer its first requests), whatever the service is doing then.
                await WaitUntilAsync(() => workload.Acknowledged > acknowledged, $"round {round}: the first acknowledged change");
                await Task.Delay(killAt);
                _service.Kill();
                stop.Cancel();
                await load;
            }

            if (random.NextDouble() < 0.3)
            {
                // Killed again while starting up: migrations checked, Quartz recovering, the first sweep under way.
                _service.Dispose();
                _service = ServiceProcess.Start(data, Settings(data));
                await Task.Delay(random.Next(200, 3000));
                _service.Kill();
                startupKills++;
            }

            _service.Dispose();
            _service = ServiceProcess.Start(data, Settings(data));
            var restart = await _service.WaitHealthyAsync(HealthLimit);
            (snapshot, var at) = await VerifyAsync(round, workload, tokens, calendar, baseline);

            var ops = workload.Journal.Skip(journalled).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: killed {killAt.TotalMilliseconds:F0} ms into the load, {ops.Count(o => o.Outcome == Outcome.Acknowledged)} acknowledged, " +
                $"{ops.Count(o => o.Status >= 400)} refused, {ops.Count(o => o.Outcome == Outcome.Unknown)} cut off; healthy again in " +
                $"{restart.TotalSeconds:F1} s; clock at {ShanghaiTime.ToLocal(at):yyyy-MM-dd HH:mm}; {snapshot.Cases.Count} cases, {snapshot.Items.Count} items, " +
                $"{snapshot.Alerts.Count} alerts"));
        }

        // A year on, the follow-up period of every converted case has run out: the clock move's sweep fires their timers
        // and raises the year's alerts, and the kill comes in the middle of that.
        var converted = snapshot.Cases.Count(c => c.Stage == "converted");
        await MoveClockAsync(workload, workload.Offset + TimeSpan.FromDays(366), tokens);
        await Task.Delay(random.Next(0, 1500));
        _service.Kill();
        _service.Dispose();
        _service = ServiceProcess.Start(data, Settings(data));
        await _service.WaitHealthyAsync(HealthLimit);
        (snapshot, var end) = await VerifyAsync(rounds + 1, workload, tokens, calendar, baseline);
        Assert.DoesNotContain(snapshot.Cases, c => c.Stage == "converted");
        output.WriteLine($"a year on ({ShanghaiTime.ToLocal(end):yyyy-MM-dd}): {converted} converted cases closed by their timers, {snapshot.Alerts.Count} alerts");

        await CompareWithApiAsync(tokens, snapshot, world);
        var all = workload.Journal;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rounds} rounds in {total.Elapsed.TotalSeconds:F0} s: {all.Count} change requests ({all.Count(o => o.Outcome == Outcome.Acknowledged)} acknowledged, " +
            $"{all.Count(o => o.Outcome == Outcome.Unknown)} cut off by a kill), {startupKills} kills during start-up, {workload.Advances} clock moves, " +
            $"{snapshot.Alerts.Count} alerts, {_channel.Requests.Count - _channel.Requests.Select(q => q.DedupKey).Distinct().Count()} redeliveries to the channel"));
    }

    /// <summary>Puts the drill clock back where it was (a restart loses it) plus a minute, waits for the scheduler to catch
    /// up to that moment, then reads the database and checks every invariant.</summary>
    private async Task<(CrashSnapshot Snapshot, DateTimeOffset At)> VerifyAsync(int round, CrashWorkload workload, Dictionary<string, string> tokens,
        IWorkingCalendar calendar, IReadOnlyDictionary<(int, string), int>? baseline)
    {
        // Open only while checking: on SQLite no connection of ours holds the file when the next kill comes.
        await using var db = await OpenAsync();
        var at = await MoveClockAsync(workload, workload.Offset + TimeSpan.FromMinutes(1), tokens);

        // Caught up: every deadline looked at as of `at` (items and timers of suspended cases wait, their clocks stopped),
        // every due timer fired, the week's dispatch made and every message delivered.
        var week = CrashChecks.WeekOf(at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var pending = $"""
            SELECT (SELECT count(*) FROM "Cases" WHERE "NextAlertAt" <= @at)
                + (SELECT count(*) FROM "LedgerItems" i WHERE i."NextAlertAt" <= @at
                    AND NOT EXISTS (SELECT 1 FROM "Cases" c WHERE c."Id" = i."CaseId" AND c."SuspendedAt" IS NOT NULL))
                + (SELECT count(*) FROM "CaseTimers" t WHERE t."FiredAt" IS NULL AND t."CancelledAt" IS NULL AND t."DueAt" <= @at
                    AND NOT EXISTS (SELECT 1 FROM "Cases" c WHERE c."Id" = t."CaseId" AND c."SuspendedAt" IS NOT NULL))
                + (SELECT count(*) FROM "OutboxMessage" WHERE "DeliveredAt" IS NULL)
                + (SELECT count(DISTINCT "CountyId") FROM "Cases")
                - (SELECT count(*) FROM "DispatchReport" WHERE CAST("WeekOf" AS TEXT) = '{week}')
            """;
        var until = TimeProvider.System.GetUtcNow() + CatchUpLimit;
        long left;
        while ((left = await CrashSnapshot.ScalarAsync(db, pending, at.UtcTicks)) != 0)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < until, $"Round {round}: the scheduler did not catch up with {at} within {CatchUpLimit}: {left} left");
            await Task.Delay(100);
        }

        // And it keeps going on its own: the periodic sweep's trigger, recovered from Quartz's store, fires again (the clock
        // move's own sweep above proves nothing about it).
        const string NextSweep = "SELECT next_fire_time FROM qrtz_triggers WHERE trigger_name = 'due-timers-sweep'";
        var next = await CrashSnapshot.ScalarAsync(db, NextSweep);
        while (await CrashSnapshot.ScalarAsync(db, NextSweep) == next)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < until, $"Round {round}: the periodic sweep did not fire again after the restart");
            await Task.Delay(100);
        }

        var snapshot = await CrashSnapshot.ReadAsync(db);
        var wrong = CrashChecks.Consistency(snapshot)
            .Concat(baseline is null ? [] : CrashChecks.Durability(snapshot, workload.Journal, baseline))
            .Concat(CrashChecks.Alerts(snapshot, at, calendar, _channel.Requests.Select(r => r.DedupKey).ToList()))
            .Concat(_serverErrors)
            .ToList();
        Assert.True(wrong.Count == 0, $"Round {round}, {wrong.Count} problems:\n{string.Join("\n", wrong.Take(50))}");
        return (snapshot, at);
    }

    /// <summary>Moves the drill clock to <paramref name="offset"/> from real time, in steps the endpoint takes (at most a
    /// year each), and says where it is now.</summary>
    private async Task<DateTimeOffset> MoveClockAsync(CrashWorkload workload, TimeSpan offset, Dictionary<string, string> tokens)
    {
        using var session = new CrashSession(_service!.Url, tokens, _serverErrors);
        var moved = TimeSpan.Zero;
        while (true)
        {
            var step = offset - moved < TimeSpan.FromDays(366) ? offset - moved : TimeSpan.FromDays(366);
            var reply = await session.SendAsync(CrashWorkload.Admin, HttpMethod.Post, "/api/v1/admin/clock/advance", new { by = XmlConvert.ToString(step) },
                null, CancellationToken.None);
            Assert.True(reply.Ok, $"The clock could not be moved by {step} (HTTP {reply.Status})");
            moved = XmlConvert.ToTimeSpan(reply.Body.GetProperty("offset").GetString()!);
            if (moved >= offset)
            {
                workload.Offset = moved;
                return reply.Body.GetProperty("now").GetDateTimeOffset();
            }
        }
    }

    /// <summary>What the service shows through its API agrees with the rows: each case's version, stage and history, each
    /// item's status, the township secretary's alert inbox.</summary>
    private async Task CompareWithApiAsync(Dictionary<string, string> tokens, CrashSnapshot snapshot, CrashWorld world)
    {
        using var session = new CrashSession(_service!.Url, tokens, _serverErrors);
        foreach (var c in snapshot.Cases)
        {
            var detail = await session.GetAsync(CrashWorkload.Admin, $"/api/v1/cases/{c.Id}", CancellationToken.None);
            Assert.Equal((c.Version, c.Stage), (detail.CaseState.Version!.Value, detail.CaseState.Stage));
            var history = await session.GetAsync(CrashWorkload.Admin, $"/api/v1/cases/{c.Id}/history", CancellationToken.None);
            Assert.Equal(c.Version, history.Body.GetArrayLength());
        }

        var statuses = new Dictionary<int, string>();
        for (var page = 1; statuses.Count < snapshot.Items.Count; page++)
        {
            var reply = await session.GetAsync(CrashWorkload.Inspector, $"/api/v1/ledger?pageSize=200&sort=id&page={page}", CancellationToken.None);
            var rows = reply.Body.GetProperty("items").EnumerateArray().ToList();
            Assert.NotEmpty(rows);
            foreach (var row in rows)
            {
                statuses[row.GetProperty("id").GetInt32()] = row.GetProperty("status").GetString()!;
            }
        }

        Assert.Equal(snapshot.Items.ToDictionary(i => i.Id, i => i.Status.ToLowerInvariant()), statuses);

        var township = world.Secretaries.Single(s => s.Value == "township-secretary").Key;
        var inbox = new List<long>();
        for (var page = 1; ; page++)
        {
            var reply = await session.GetAsync("township-secretary", $"/api/v1/alerts?pageSize=200&page={page}", CancellationToken.None);
            var rows = reply.Body.EnumerateArray().Select(a => a.GetProperty("id").GetInt64()).ToList();
            inbox.AddRange(rows);
            if (rows.Count < 200)
            {
                break;
            }
        }

        Assert.Equal(snapshot.Alerts.Where(a => a.Unit == township && a.Role is "township-secretary" or "*").Select(a => a.Id).Order(), inbox.Order());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = TimeProvider.System.GetUtcNow() + HealthLimit;
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < until, $"Timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private Dictionary<string, string> Settings(string data)
    {
        var settings = new Dictionary<string, string>
        {
            ["Demo:Seed"] = "true",
            ["Clock:Simulated"] = "true",
            ["Timers:SweepInterval"] = "00:00:01",
            // The drill clock moves a month: tokens must outlive it.
            ["Auth:TokenLifetime"] = "3650.00:00:00",
            ["Channels:0:Name"] = "crash-channel",
            ["Channels:0:Kind"] = "Webhook",
            ["Channels:0:Url"] = _channel.Url,
            ["Channels:0:County"] = "220211",
        };
        if (RectificationApp.Postgres is { } server)
        {
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Rectification"] = $"{server};Database={_database}";
            // A restarted node takes over the dead one's triggers after two missed check-ins.
            settings["Timers:ClusterCheckinInterval"] = "00:00:01";
        }
        else
        {
            settings["ConnectionStrings:Rectification"] = $"Data Source={Path.Combine(data, "rectification.db")}";
        }

        return settings;
    }

    /// <summary>How far the first start got before its kill, for the log of the run.</summary>
    private async Task<string> FirstStartStateAsync()
    {
        try
        {
            await using var db = await OpenAsync();
            var migrations = await CrashSnapshot.ScalarAsync(db, """SELECT count(*) FROM "__EFMigrationsHistory" """);
            var units = await CrashSnapshot.ScalarAsync(db, """SELECT count(*) FROM "OrgUnits" """);
            var cases = await CrashSnapshot.ScalarAsync(db, """SELECT count(*) FROM "Cases" """);
            return $"{migrations} migrations applied, {units} org units, {cases} cases";
        }
        catch (DbException ex)
        {
            return $"not migrated yet ({ex.Message})";
        }
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection db = RectificationApp.Postgres is { } server
            ? new NpgsqlConnection($"{server};Database={_database}")
            : new SqliteConnection($"Data Source={Path.Combine(_root, "data", "rectification.db")};Pooling=False");
        await db.OpenAsync();
        return db;
    }

    private static async Task<CrashWorld> WorldAsync(string url, Dictionary<string, string> tokens)
    {
        using var session = new CrashSession(url, tokens, []);
        var orgs = (await session.GetAsync("city-viewer", "/api/v1/orgs", CancellationToken.None)).Body.EnumerateArray()
            .Select(o => (Id: o.GetProperty("id").GetInt32(), Name: o.GetProperty("name").GetString()!,
                Parent: o.GetProperty("parentId").ValueKind == JsonValueKind.Number ? o.GetProperty("parentId").GetInt32() : 0))
            .ToList();
        var secretaries = new Dictionary<int, string>
        {
            [orgs.Single(o => o.Name == "旺起镇").Id] = "township-secretary",
            [orgs.Single(o => o.Name == "江南乡").Id] = "township-secretary-2",
        };
        var villages = orgs.Where(o => secretaries.ContainsKey(o.Parent)).ToList();
        return new CrashWorld(secretaries, villages.ToDictionary(v => v.Id, v => v.Parent), villages.ToDictionary(v => v.Name, v => v.Id),
            orgs.Single(o => o.Name == "孟家村").Id);
    }

    /// <summary>The official calendar the service counts working days on, from the same files beside the binaries.</summary>
    private static ChineseWorkingCalendar LoadCalendar()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "config", "calendar");
        return new ChineseWorkingCalendar(Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => CalendarYear.Parse(f, File.ReadAllText(f))));
    }

    public void Dispose()
    {
        _service?.Dispose();
        _channel.Dispose();
        if (RectificationApp.Postgres is { } server && !_keepData)
        {
            using var connection = new NpgsqlConnection($"{server};Database=postgres");
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }

        if (!_keepData)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A log file still held by a dying process; the temp folder is cleaned eventually.
            }
        }
    }
}
