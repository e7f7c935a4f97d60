using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Data.Common;

namespace Rectification.Bench;

/// <summary>The flow's own actions under load: stage moves and checklist sign-offs, each through the flow's rules.</summary>
internal sealed partial class Load
{
    // The review stage's checklist in the default flow (workflows/rectification.yaml): who signs each item.
    private static readonly (string Key, string Role)[] Checklist =
        [("self-assessment", "township-secretary"), ("cross-review", "county-admin"), ("villagers-review", "inspector")];

    /// <summary>Where a case of the stage rounds stands: its stage, version (sent back in If-Match) and the items of the
    /// review checklist signed in this visit.</summary>
    private sealed record StageCase(int Id, int Township, string Stage, int Version, ImmutableHashSet<string> Signed);

    // Each case of the bench county in review or acceptance goes round 申请验收 (township secretary) → 村级自评 (the
    // secretary), 乡镇互评 (county), 群众点评 (inspector) → 提交县级验收 (county) → 验收不通过（回炉）(county) → 申请验收 …:
    // every request is a stage move or a sign-off checked against the flow's rules (申请验收 counts the case's open items),
    // sent with the case's version in If-Match as the pages send it. Run before the ledger rounds, which reopen these cases'
    // items, and 申请验收 needs every item ticked off.
    private async Task StageActionsAsync(string admin, string inspector, Dictionary<int, string> secretaryOf, string connectionString)
    {
        var state = new ConcurrentDictionary<int, StageCase>(await StageCasesAsync(connectionString));
        var ids = state.Keys.Order().ToList();
        string TokenOf(string role, int township) => role switch
        {
            "township-secretary" => secretaryOf[township],
            "inspector" => inspector,
            _ => admin,
        };

        Func<int, Task<(string Kind, double Latency)>> Lane(int clients, int lane)
        {
            var mine = ids.Where((_, index) => index % clients == lane).ToList();
            return async n =>
            {
                var current = state[mine[n % mine.Count]];
                var toSign = Checklist.FirstOrDefault(i => !current.Signed.Contains(i.Key));
                var (kind, role, path, stage, comment) = current.Stage switch
                {
                    "rectifying" => ("action", "township-secretary", "actions/request-acceptance", "reviewing", null),
                    "reviewing" when toSign.Key is not null => ("sign", toSign.Role, $"checklist/{toSign.Key}/sign", "reviewing", null),
                    "reviewing" => ("action", "county-admin", "actions/submit-reviews", "accepting", null),
                    // 回炉 needs a comment (the flow's guard).
                    _ => ("action", "county-admin", "actions/fail", "rectifying", "基准：回炉再整改"),
                };
                var (latency, version) = await PostAsync(TokenOf(role, current.Township), $"/api/v1/cases/{current.Id}/{path}",
                    new { comment }, current.Version);
                state[current.Id] = current with
                {
                    Stage = stage,
                    Version = version ?? throw new InvalidOperationException($"POST {path}: no ETag in the answer."),
                    // A move starts a new visit of a stage, with a blank checklist.
                    Signed = kind == "sign" ? current.Signed.Add(toSign.Key!) : [],
                };
                return (kind, latency);
            };
        }

        var warming = await RoundAsync(16, WarmUp, Lane);
        results.Note($"stage actions measured after {WarmUp.TotalSeconds:0} s of uncounted warm-up at 16 clients ({warming.PerSecond():0} requests/s over it); "
            + $"each round runs {Round.TotalSeconds:0} s, cycling 申请验收 → three sign-offs → 提交县级验收 → 回炉 over {ids.Count:N0} cases in review or acceptance");
        var baselineIds = await BaselineItemsAsync(connectionString);
        foreach (var clients in Concurrency)
        {
            var round = await RoundAsync(clients, Round, Lane);
            var baseline = await BaselineAsync(connectionString,
                Enumerable.Range(0, round.Count()).Select(i => baselineIds[i % baselineIds.Count]).ToList(), clients, SingleUpdateAsync);
            results.Add($"stage actions and sign-offs, {clients} client(s): throughput ({round.Count():N0} in {round.Elapsed.TotalSeconds:0} s)",
                round.PerSecond(), "/s", "");
            results.Add($"stage actions and sign-offs, {clients} client(s): p50 / p99", round.Percentiles(), clients == 64 ? "p99 < 50 ms" : "");
            results.Add($"of which stage moves / sign-offs, {clients} client(s): p50 / p99", $"{round.Percentiles("action")}; {round.Percentiles("sign")}", "");
            results.Add($"raw driver single-row UPDATE transactions beside them, {clients} client(s)", baseline, "/s", "");
            results.Add($"stage actions ÷ raw driver, {clients} client(s)", round.PerSecond() / baseline, "", "≥ 0.5");
        }
    }

    private async Task<Dictionary<int, StageCase>> StageCasesAsync(string connectionString)
    {
        await using var db = Open(connectionString);
        await db.OpenAsync();
        var cases = new Dictionary<int, StageCase>();
        var where = $"c.\"CountyId\" = {dataset.BenchCountyId} AND c.\"EndedAt\" IS NULL AND c.\"SuspendedAt\" IS NULL AND c.\"Stage\" IN ('reviewing', 'accepting')";
        await foreach (var row in RowsAsync(db, $"SELECT c.\"Id\", c.\"TownshipId\", c.\"Stage\", c.\"Version\" FROM \"Cases\" c WHERE {where}"))
        {
            cases[row.GetInt32(0)] = new StageCase(row.GetInt32(0), row.GetInt32(1), row.GetString(2), row.GetInt32(3), []);
        }

        // Sign-offs already made in the case's present visit of its stage (none in a generated country).
        await foreach (var row in RowsAsync(db, "SELECT s.\"CaseId\", s.\"Item\" FROM \"ChecklistSignatures\" s JOIN \"Cases\" c ON c.\"Id\" = s.\"CaseId\" "
            + $"AND s.\"StageVisit\" = c.\"StageVisit\" AND s.\"Stage\" = c.\"Stage\" WHERE {where}"))
        {
            var id = row.GetInt32(0);
            cases[id] = cases[id] with { Signed = cases[id].Signed.Add(row.GetString(1)) };
        }

        return cases;
    }

    // Ledger items of the bench county for the stage rounds' raw-driver baseline: the same table and kind of row the
    // ledger rounds' baseline updates.
    private async Task<List<int>> BaselineItemsAsync(string connectionString)
    {
        await using var db = Open(connectionString);
        await db.OpenAsync();
        var ids = new List<int>();
        await foreach (var row in RowsAsync(db, $"SELECT \"Id\" FROM \"LedgerItems\" WHERE \"CountyId\" = {dataset.BenchCountyId} ORDER BY \"Id\""))
        {
            ids.Add(row.GetInt32(0));
        }

        return ids;
    }

    private static async IAsyncEnumerable<DbDataReader> RowsAsync(DbConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return reader;
        }
    }
}
