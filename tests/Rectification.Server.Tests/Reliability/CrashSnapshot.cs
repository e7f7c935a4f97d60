using System.Data.Common;
using System.Globalization;

namespace Rectification.Server.Tests.Reliability;

/// <summary>What the database holds, read straight from it with SQL both providers accept (quoted names, times as UTC
/// ticks, enums as their names), so the checks see the rows themselves rather than what the service makes of them.</summary>
public sealed class CrashSnapshot
{
    public sealed record CaseRow(int Id, int TownshipId, int VillageId, string Stage, int StageVisit, int Version, long? EndedAt, int? OpenYear,
        long? SuspendedAt, long? StageDeadline);

    public sealed record EventRow(int CaseId, int Seq, string Kind, string? Action, string? From, string? To, string? Comment);

    public sealed record ItemRow(int Id, int CaseId, string Source, string Status, int ReopenCount, long? ClosedAt, string? Method, long Deadline);

    public sealed record PlanRow(int CaseId, string Status, int Measures);

    public sealed record TimerRow(int CaseId, int StageVisit, string Stage, long? FiredAt, long? CancelledAt);

    public sealed record AlertRow(long Id, int CaseId, int? ItemId, string Kind, int Level, long DueAt, string Role, int Unit, string Message, string DedupKey);

    public sealed record OutboxRow(string DedupKey, long? DeliveredAt);

    public sealed record DispatchRow(int CountyId, DateOnly WeekOf);

    public required IReadOnlyList<CaseRow> Cases { get; init; }

    public required ILookup<int, EventRow> History { get; init; }

    public required IReadOnlyList<ItemRow> Items { get; init; }

    public required IReadOnlyDictionary<int, PlanRow> Plans { get; init; }

    public required IReadOnlyDictionary<int, int> Signatures { get; init; }

    public required IReadOnlyList<TimerRow> Timers { get; init; }

    public required IReadOnlyList<AlertRow> Alerts { get; init; }

    public required IReadOnlyList<OutboxRow> Outbox { get; init; }

    public required IReadOnlyList<DispatchRow> Dispatches { get; init; }

    public required IReadOnlyDictionary<int, int> CountyOfCase { get; init; }

    public static async Task<CrashSnapshot> ReadAsync(DbConnection db)
    {
        // Alerts before the outbox: both are written in one transaction, so a sweep running meanwhile can only add
        // outbox rows the alerts read here do not explain, never leave an alert read here without its message.
        var alerts = await QueryAsync(db, """
            SELECT "Id", "CaseId", "LedgerItemId", "Kind", "Level", "DueAt", "TargetRole", "TargetOrgUnitId", "Message", "DedupKey" FROM "Alert"
            """, r => new AlertRow(L(r, 0), I(r, 1), N(r, 2) is { } item ? (int)item : null, S(r, 3)!, I(r, 4), L(r, 5), S(r, 6)!, I(r, 7), S(r, 8)!, S(r, 9)!));
        var outbox = await QueryAsync(db, """SELECT "DedupKey", "DeliveredAt" FROM "OutboxMessage" """, r => new OutboxRow(S(r, 0)!, N(r, 1)));
        var cases = await QueryAsync(db, """
            SELECT "Id", "TownshipId", "VillageId", "Stage", "StageVisit", "Version", "EndedAt", "OpenYear", "SuspendedAt", "StageDeadline", "CountyId" FROM "Cases"
            """, r => (Row: new CaseRow(I(r, 0), I(r, 1), I(r, 2), S(r, 3)!, I(r, 4), I(r, 5), N(r, 6), N(r, 7) is { } year ? (int)year : null, N(r, 8), N(r, 9)),
            County: I(r, 10)));
        var events = await QueryAsync(db, """SELECT "CaseId", "Seq", "Kind", "Action", "FromStage", "ToStage", "Comment" FROM "CaseEvents" """,
            r => new EventRow(I(r, 0), I(r, 1), S(r, 2)!, S(r, 3), S(r, 4), S(r, 5), S(r, 6)));
        var items = await QueryAsync(db, """
            SELECT "Id", "CaseId", "Source", "Status", "ReopenCount", "ClosedAt", "VerificationMethod", "Deadline" FROM "LedgerItems"
            """, r => new ItemRow(I(r, 0), I(r, 1), S(r, 2)!, S(r, 3)!, I(r, 4), N(r, 5), S(r, 6), L(r, 7)));
        var plans = await QueryAsync(db, """
            SELECT p."CaseId", p."Status", (SELECT count(*) FROM "PlanProblem" pp JOIN "PlanMeasure" m ON m."ProblemId" = pp."Id" WHERE pp."PlanId" = p."Id")
            FROM "Plans" p
            """, r => new PlanRow(I(r, 0), S(r, 1)!, I(r, 2)));
        var signatures = await QueryAsync(db, """SELECT "CaseId", count(*) FROM "ChecklistSignatures" GROUP BY "CaseId" """, r => (Case: I(r, 0), Count: I(r, 1)));
        var timers = await QueryAsync(db, """SELECT "CaseId", "StageVisit", "Stage", "FiredAt", "CancelledAt" FROM "CaseTimers" """,
            r => new TimerRow(I(r, 0), I(r, 1), S(r, 2)!, N(r, 3), N(r, 4)));
        var dispatches = await QueryAsync(db, """SELECT "CountyId", "WeekOf" FROM "DispatchReport" """, r => new DispatchRow(I(r, 0), Day(r.GetValue(1))));
        return new CrashSnapshot
        {
            Cases = cases.Select(c => c.Row).OrderBy(c => c.Id).ToList(),
            CountyOfCase = cases.ToDictionary(c => c.Row.Id, c => c.County),
            History = events.OrderBy(e => e.Seq).ToLookup(e => e.CaseId),
            Items = items,
            Plans = plans.ToDictionary(p => p.CaseId),
            Signatures = signatures.ToDictionary(s => s.Case, s => s.Count),
            Timers = timers,
            Alerts = alerts,
            Outbox = outbox,
            Dispatches = dispatches,
        };
    }

    /// <summary>A number the database answers, with <c>@at</c> bound to <paramref name="at"/> when given.</summary>
    public static async Task<long> ScalarAsync(DbConnection db, string sql, long? at = null)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        if (at is { } value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "at";
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<List<T>> QueryAsync<T>(DbConnection db, string sql, Func<DbDataReader, T> map)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static int I(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

    private static long L(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    private static long? N(DbDataReader r, int i) => r.IsDBNull(i) ? null : L(r, i);

    private static string? S(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture);

    // SQLite keeps a DateOnly as text, PostgreSQL as a date.
    private static DateOnly Day(object value) => value switch
    {
        DateOnly day => day,
        DateTime time => DateOnly.FromDateTime(time),
        _ => DateOnly.ParseExact(Convert.ToString(value, CultureInfo.InvariantCulture)!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
    };
}
