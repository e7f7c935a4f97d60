using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;
using Rectification.Processes;

namespace Rectification.Bench;

/// <summary>The measurements against the running service, over HTTP from this process (the load generator is not the
/// service's process), with the raw-driver baseline measured in the same run.</summary>
internal sealed partial class Load(ServiceProcess service, Results results, Dataset dataset, Options options) : IDisposable
{
    private static readonly int[] Concurrency = [1, 16, 64];

    private readonly HttpClient _http = new() { BaseAddress = new Uri(service.Url), Timeout = TimeSpan.FromMinutes(5) };

    public void Dispose() => _http.Dispose();

    public async Task RunAsync(string dataDirectory, string connectionString)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        results.Add("memory when idle (RSS)", service.Memory().Rss, "MB", "");

        var admin = await TokenAsync("bench-county-admin");
        var inspector = await TokenAsync("bench-inspector");
        var secretaryOf = new Dictionary<int, string>();
        for (var i = 0; i < dataset.BenchTownships.Count; i++)
        {
            secretaryOf[dataset.BenchTownships[i]] = await TokenAsync($"bench-secretary-{i + 1}");
        }

        // The empty sweep: nothing is due in the generated country, so each periodic sweep finds nothing.
        var sweeps = await SweepsAsync(dataDirectory, 3, TimeSpan.FromMinutes(10));
        results.Add("overdue sweep finding nothing (median of 3)", Median(sweeps), "ms", "< 50");

        await ListsAndDashboardAsync(admin);
        await ExportAsync(admin);
        await StageActionsAsync(admin, inspector, secretaryOf, connectionString);
        await ActionsAsync(inspector, secretaryOf, connectionString);
        await DeadlinesAsync(dataDirectory, connectionString);
    }

    private async Task ListsAndDashboardAsync(string admin)
    {
        var random = new Random(7);
        var list = await TimeAsync(200, _ => GetAsync(admin, $"/api/v1/ledger?page={random.Next(1, 200)}&pageSize=50"));
        results.Add("ledger list, county admin, p95 (200 pages)", Percentile(list, 0.95), "ms", "< 100");
        var filtered = await TimeAsync(100, i => GetAsync(admin, i % 2 == 0 ? "/api/v1/ledger?status=reported&sort=-deadline" : "/api/v1/ledger?overdue=true&situation=3"));
        results.Add("ledger list with filters, p95 (100)", Percentile(filtered, 0.95), "ms", "< 100");
        var dashboard = await TimeAsync(50, _ => GetAsync(admin, "/api/v1/dashboard"));
        results.Add("county dashboard, p95 (50)", Percentile(dashboard, 0.95), "ms", "< 100");
        var work = await TimeAsync(50, _ => GetAsync(admin, "/api/v1/my-work"));
        results.Add("my work (我的待办), county admin, p95 (50)", Percentile(work, 0.95), "ms", "< 100");
    }

    private async Task ExportAsync(string admin)
    {
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/export.xlsx");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
        results.Add($"Excel export, bench county (20,000 items, {bytes / 1024:N0} KB)", watch.Elapsed.TotalMilliseconds, "ms", "< 3000");
        results.Add("service peak memory after the export (VmHWM)", service.Memory().Peak, "MB", "< 200 for the export");
    }

    // Ledger actions at 1, 16 and 64 clients: each item of the bench county's open cases goes round report (township
    // secretary) → tick-off (inspector) → reopen (inspector), so a round can run for as long as it should without running
    // out of items. Then the same number of single-row durable UPDATE transactions straight through the driver, and the
    // ceilings (below) at the same concurrency.
    private async Task ActionsAsync(string inspector, Dictionary<int, string> secretaryOf, string connectionString)
    {
        await using var db = Open(connectionString);
        await db.OpenAsync();
        var items = await ItemsAsync(db, $"SELECT i.\"Id\", i.\"CaseId\", i.\"TownshipId\", i.\"Status\" FROM \"LedgerItems\" i JOIN \"Cases\" c ON c.\"Id\" = i.\"CaseId\" "
            + $"WHERE i.\"CountyId\" = {dataset.BenchCountyId} AND c.\"EndedAt\" IS NULL ORDER BY i.\"CaseId\", i.\"Id\"");
        var status = new System.Collections.Concurrent.ConcurrentDictionary<int, string>(items.Select(i => KeyValuePair.Create(i.Id, i.Status)));
        var cases = items.GroupBy(i => i.Case).Select(g => g.Select(i => (i.Id, i.Township)).ToList()).ToList();

        // One lane per client, cases dealt round: concurrent clients never change the same case, as inspectors and
        // townships do not; two changes to one case at once are refused (409) by design and would measure conflicts.
        Func<int, Task<(string Kind, double Latency)>> Lane(int clients, int lane)
        {
            var mine = cases.Where((_, index) => index % clients == lane).SelectMany(c => c).ToList();
            return async n =>
            {
                var (id, township) = mine[n % mine.Count];
                var (kind, action, next) = status[id] switch
                {
                    "Open" => ("report", PostAsync(secretaryOf[township], $"/api/v1/ledger/{id}/report", new { note = "已完成" }), "Reported"),
                    "Reported" => ("tick", PostAsync(inspector, $"/api/v1/ledger/{id}/tick", new { method = "查看资料", note = "基准" }), "Closed"),
                    _ => ("reopen", PostAsync(inspector, $"/api/v1/ledger/{id}/reopen", new { reason = "基准：再核" }), "Open"),
                };
                var latency = (await action).Latency;
                status[id] = next;
                return (kind, latency);
            };
        }

        // A service that has just started compiles its code paths on first use (the JIT tiers up after a few thousand
        // requests; EF compiles its queries): that is not what an office sees all day, so it is shown but not counted.
        var warming = await RoundAsync(16, WarmUp, Lane);
        Interlocked.Exchange(ref _conflicts, 0);
        results.Note($"ledger actions measured after {WarmUp.TotalSeconds:0} s of uncounted warm-up at 16 clients ({warming.PerSecond():0} actions/s over it); "
            + $"each round runs {Round.TotalSeconds:0} s, cycling report → tick-off → reopen over {items.Count:N0} items of {cases.Count:N0} open cases");
        var baselineIds = Interleave(items.Select(i => (i.Id, i.Case, i.Township)).ToList()).Select(i => i.Id).ToList();
        foreach (var (path, signedIn) in Ceilings)
        {
            await CeilingAsync(signedIn ? inspector : null, path, 16, WarmUp / 5);
        }

        foreach (var clients in Concurrency)
        {
            var round = await RoundAsync(clients, Round, Lane);
            var perSecond = round.PerSecond();
            var ids = Enumerable.Range(0, round.Count()).Select(i => baselineIds[i % baselineIds.Count]).ToList();
            var baseline = await BaselineAsync(connectionString, ids, clients, SingleUpdateAsync);
            var actionLike = await BaselineAsync(connectionString, ids, clients, ActionLikeAsync);
            results.Add($"ledger actions, {clients} client(s): refused as concurrent (409, retried)", Interlocked.Exchange(ref _conflicts, 0), "", "");
            results.Add($"ledger actions, {clients} client(s): throughput ({round.Count():N0} in {round.Elapsed.TotalSeconds:0} s)", perSecond, "/s", "");
            results.Add($"ledger actions, {clients} client(s): p50 / p99", round.Percentiles(), clients == 64 ? "p99 < 50 ms" : "");
            results.Add($"of which tick-offs (销号), {clients} client(s): throughput / p50 / p99",
                string.Create(CultureInfo.InvariantCulture, $"{round.PerSecond("tick"):0} /s, {round.Percentiles("tick")}"), "");
            results.Add($"raw driver single-row UPDATE transactions, {clients} client(s)", baseline, "/s", "");
            results.Add($"service ÷ raw driver, {clients} client(s)", perSecond / baseline, "", "≥ 0.5");
            results.Add($"raw driver transactions reading case and item and updating both, {clients} client(s)", actionLike, "/s", "");
            results.Add($"service ÷ that, {clients} client(s)", perSecond / actionLike, "", "");
            var ceilings = new List<double>();
            foreach (var (path, signedIn) in Ceilings)
            {
                ceilings.Add(await CeilingAsync(signedIn ? inspector : null, path, clients, Round / 2));
                results.Add($"GET {path}, {clients} client(s)", ceilings[^1], "/s", "");
            }

            results.Add($"those ÷ raw driver, {clients} client(s): the most any action could reach",
                string.Join(" / ", ceilings.Select(c => (c / baseline).ToString("0.00", CultureInfo.InvariantCulture))), "");
        }
    }

    // Requests that do next to nothing, at the same concurrency: a static file (no sign-in, no database) and the signed-in
    // user (the bearer token checked, one row read). No action, which signs in, reads, writes and commits, can be served
    // faster than these over HTTP on this machine, so their ratio to the raw driver bounds the action's.
    private static readonly (string Path, bool SignedIn)[] Ceilings = [("/favicon.svg", false), ("/api/v1/me", true)];

    private async Task<double> CeilingAsync(string? token, string path, int clients, TimeSpan length)
    {
        var count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (watch.Elapsed < length)
            {
                await GetAsync(token, path);
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    // 10,000 open items fall due at once; the time from then until their overdue alerts are all stored.
    private async Task DeadlinesAsync(string dataDirectory, string connectionString)
    {
        await using var db = Open(connectionString);
        await db.OpenAsync();
        var due = TimeProvider.System.GetUtcNow().AddSeconds(-1).UtcTicks;
        var sweepsBefore = ReadSweeps(dataDirectory).Count;
        int falling;
        await using (var update = db.CreateCommand())
        {
            // NextAlertAt = 0, as the service's own save would set it (AlertSchedule): a deadline changed behind the service's
            // back is otherwise not looked at before its old schedule comes round.
            update.CommandText = $"UPDATE \"LedgerItems\" SET \"Deadline\" = {due}, \"NextAlertAt\" = 0 WHERE \"Id\" IN (SELECT \"Id\" FROM \"LedgerItems\" WHERE \"Status\" = 'Open' ORDER BY \"Id\" LIMIT 10000)";
            falling = await update.ExecuteNonQueryAsync();
        }

        var watch = Stopwatch.StartNew();
        var what = $"{falling:N0} deadlines at once until their overdue alerts are stored (sweep every 2 s)";
        while (await CountAsync(db, $"SELECT count(*) FROM \"Alert\" WHERE \"Kind\" = 'Overdue' AND \"DueAt\" = {due}") < falling)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                results.Add(what, "over 5 minutes", "< 10 s");
                return;
            }

            await Task.Delay(100);
        }

        results.Add(what, watch.Elapsed.TotalMilliseconds, "ms", "< 10000");
        // The sweep that stored the last alert may not have logged itself yet; one more sweep logged means it has. It is the
        // longest since the deadlines were set (the others find nothing); taking the next one, as before, often timed an
        // empty sweep instead.
        await SweepsAsync(dataDirectory, 1, TimeSpan.FromMinutes(1));
        results.Add("the sweep that raised them", ReadSweeps(dataDirectory).Skip(sweepsBefore).Max(), "ms", "");
    }

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Round = TimeSpan.FromSeconds(10);

    private static long _baselineWrites;

    // Each baseline write stores a value the row has never held: SQLite leaves a row it would rewrite unchanged alone, and
    // a transaction that wrote nothing commits without touching the disk (about 150,000 a second here), so rewriting the
    // same note, as the rounds after the first did on the same rows, timed commits that never reached the disk.
    private static string BaselineNote() => $"'baseline {Interlocked.Increment(ref _baselineWrites)}'";

    // The baseline the issue names: one single-row UPDATE per durable transaction.
    private static async Task SingleUpdateAsync(DbConnection db, DbTransaction transaction, int id) =>
        await ExecuteAsync(db, transaction, $"UPDATE \"LedgerItems\" SET \"ReportNote\" = {BaselineNote()} WHERE \"Id\" = {id}");

    // Closer to what an action does in the database (read its case and item, write both), without HTTP, sign-in checks,
    // the ORM or the history entry: how much of an action's cost is the database's own.
    private static async Task ActionLikeAsync(DbConnection db, DbTransaction transaction, int id)
    {
        // The case before the item, in the order the service's saves and sweep take their rows, or on PostgreSQL the two
        // would deadlock with each other.
        await ExecuteAsync(db, transaction, $"SELECT c.\"Version\", i.\"Status\" FROM \"Cases\" c JOIN \"LedgerItems\" i ON i.\"CaseId\" = c.\"Id\" WHERE i.\"Id\" = {id}");
        await ExecuteAsync(db, transaction, $"UPDATE \"Cases\" SET \"Version\" = \"Version\" + 1 WHERE \"Id\" = (SELECT \"CaseId\" FROM \"LedgerItems\" WHERE \"Id\" = {id})");
        await ExecuteAsync(db, transaction, $"UPDATE \"LedgerItems\" SET \"ReportNote\" = {BaselineNote()} WHERE \"Id\" = {id}");
    }

    private static async Task ExecuteAsync(DbConnection db, DbTransaction transaction, string sql)
    {
        await using var command = db.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<double> BaselineAsync(string connectionString, List<int> ids, int clients, Func<DbConnection, DbTransaction, int, Task> body)
    {
        var queue = new Queue<int>(ids);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var db = Open(connectionString);
            await db.OpenAsync();
            while (true)
            {
                int id;
                lock (queue)
                {
                    if (!queue.TryDequeue(out id))
                    {
                        return;
                    }
                }

                // One durable transaction per row, as the service commits one per request.
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await using var transaction = await db.BeginTransactionAsync();
                        await body(db, transaction, id);
                        await transaction.CommitAsync();
                        break;
                    }
                    catch (DbException e) when (attempt < 50 && e is SqliteException { SqliteErrorCode: 5 } or PostgresException { SqlState: "40P01" or "40001" })
                    {
                        await Task.Delay(1);
                    }
                }
            }
        }));
        return ids.Count / watch.Elapsed.TotalSeconds;
    }

    private int _conflicts;

    // A refused concurrent change is retried, as a person reloading the page would; each refusal is counted. A change
    // sent with the case's version (If-Match) is not: nothing else changes the lane's cases, so a refusal is a fault.
    // Returns the latency and the case's new version (its ETag), when the answer carries one.
    private async Task<(double Latency, int? Version)> PostAsync(string token, string path, object body, int? version = null)
    {
        var watch = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (version is not null)
            {
                request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
            }

            using var response = await _http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                var etag = response.Headers.ETag?.Tag.Trim('"');
                return (watch.Elapsed.TotalMilliseconds, etag is null ? null : int.Parse(etag, CultureInfo.InvariantCulture));
            }

            if (response.StatusCode != System.Net.HttpStatusCode.Conflict || version is not null || attempt >= 5)
            {
                throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            Interlocked.Increment(ref _conflicts);
        }
    }

    // Each client (lane) runs its own requests one after another until the round's time is up; what a step did and how
    // long it took are kept for the round's figures.
    private static async Task<RoundResult> RoundAsync(int clients, TimeSpan length, Func<int, int, Func<int, Task<(string Kind, double Latency)>>> lane)
    {
        var requests = new List<(string Kind, double Latency)>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async index =>
        {
            var step = lane(clients, index);
            for (var n = 0; watch.Elapsed < length; n++)
            {
                var done = await step(n);
                lock (requests)
                {
                    requests.Add(done);
                }
            }
        }));
        return new RoundResult(requests, watch.Elapsed);
    }

    /// <summary>One round's requests, each with its kind and latency in ms.</summary>
    private sealed record RoundResult(List<(string Kind, double Latency)> Requests, TimeSpan Elapsed)
    {
        public int Count(string? kind = null) => Latencies(kind).Count;

        public double PerSecond(string? kind = null) => Count(kind) / Elapsed.TotalSeconds;

        public string Percentiles(string? kind = null)
        {
            var latencies = Latencies(kind);
            return string.Create(CultureInfo.InvariantCulture, $"{Percentile(latencies, 0.5):0.#} / {Percentile(latencies, 0.99):0.#} ms");
        }

        private List<double> Latencies(string? kind) => Requests.Where(r => kind is null || r.Kind == kind).Select(r => r.Latency).ToList();
    }

    private static List<(int Id, int Case, int Township)> Interleave(List<(int Id, int Case, int Township)> items) =>
        items.GroupBy(i => i.Case).SelectMany(g => g.Select((item, index) => (item, index))).OrderBy(x => x.index).ThenBy(x => x.item.Case)
            .Select(x => x.item).ToList();

    private async Task<double> GetAsync(string? token, string path)
    {
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}");
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task<List<double>> TimeAsync(int count, Func<int, Task<double>> call)
    {
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            latencies.Add(await call(i));
        }

        return latencies;
    }

    private async Task<string> TokenAsync(string user)
    {
        var response = await _http.PostAsJsonAsync("/api/v1/auth/login", new { username = user, password = Dataset.Password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    // The service logs each sweep's duration (Debug); the harness reads the newest ones from its log file.
    public static async Task<List<double>> SweepsAsync(string dataDirectory, int count, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        var seen = ReadSweeps(dataDirectory).Count;
        while (true)
        {
            var sweeps = ReadSweeps(dataDirectory);
            if (sweeps.Count >= seen + count)
            {
                return sweeps.Skip(seen).Take(count).ToList();
            }

            if (watch.Elapsed > limit)
            {
                return sweeps.Skip(seen).DefaultIfEmpty(double.NaN).ToList();
            }

            await Task.Delay(200);
        }
    }

    private static List<double> ReadSweeps(string dataDirectory)
    {
        var logs = Path.Combine(dataDirectory, "logs");
        if (!Directory.Exists(logs))
        {
            return [];
        }

        return Directory.GetFiles(logs, "service-*.log").Order(StringComparer.Ordinal)
            .SelectMany(f =>
            {
                using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd().Split('\n');
            })
            .Select(l => SweepLine().Match(l))
            .Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
    }

    private static async Task<List<(int Id, int Case, int Township, string Status)>> ItemsAsync(DbConnection db, string sql)
    {
        var items = new List<(int, int, int, string)>();
        await foreach (var row in RowsAsync(db, sql))
        {
            items.Add((row.GetInt32(0), row.GetInt32(1), row.GetInt32(2), row.GetString(3)));
        }

        return items;
    }

    private static async Task<long> CountAsync(DbConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private DbConnection Open(string connectionString) =>
        options.Provider == "postgres" ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString + ";Default Timeout=30");

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    [GeneratedRegex("\"ElapsedMs\":([0-9.]+)")]
    private static partial Regex SweepLine();
}
