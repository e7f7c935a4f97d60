using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Rectification.Server.Features.Users;

namespace Rectification.Bench;

/// <summary>How big the generated country is. <see cref="National"/> is China's order of magnitude: about 2,800 counties,
/// 38,000 townships, 490,000 villages, 100,000 listed branches and 2,000,000 ledger items.</summary>
public sealed record Scale(int Cities, int CountiesPerCity, int TownshipsPerCounty, int VillagesPerTownship, int Cases, int ItemsPerCase)
{
    /// <summary>333 prefecture-level cities (the 31 provinces are the first two digits of their codes; the org tree has
    /// no province level yet).</summary>
    public static Scale National { get; } = new(333, 8, 14, 13, 100_000, 27);

    public static Scale Small { get; } = new(4, 4, 6, 8, 600, 10);

    public int Counties => Cities * CountiesPerCity;
}

/// <summary>Writes a generated country straight into the service's tables with the database driver, in batches, after
/// the service itself has created the schema and loaded its flows. The bench county (the first) is large enough for a
/// 20,000-item export; its three accounts drive the load.</summary>
public sealed class Dataset(DbConnection connection, Scale scale, DateTimeOffset now)
{
    public const string Password = "Bench@2026";

    /// <summary>The bench county's size: 40 townships of 25 villages, 800 cases of 25 items: 20,000 items.</summary>
    private const int BenchTownshipCount = 40;
    private const int BenchVillagesPerTownship = 25;
    private const int BenchCases = 800;
    private const int BenchItemsPerCase = 25;

    private static readonly (string Stage, double Share)[] Stages =
    [
        ("proposed", 0.05), ("assigning", 0.05), ("planning", 0.10), ("plan-review", 0.05), ("rectifying", 0.50),
        ("reviewing", 0.05), ("accepting", 0.05), ("converted", 0.10), ("closed", 0.03), ("dismissed", 0.02),
    ];

    private static readonly string[] WithLedger = ["rectifying", "reviewing", "accepting", "converted", "closed"];

    private readonly Random _random = new(2026);

    public int BenchCountyId { get; private set; }

    public int Villages { get; private set; }

    public int Townships { get; private set; }

    public int CaseCount { get; private set; }

    public int ItemCount { get; private set; }

    /// <summary>The bench county's townships; bench-secretary-N is the secretary of the Nth.</summary>
    public IReadOnlyList<int> BenchTownships { get; private set; } = [];

    public async Task GenerateAsync(CancellationToken cancellationToken)
    {
        var flowVersionId = Convert.ToInt32(await ScalarAsync("SELECT \"Id\" FROM \"FlowVersions\" WHERE \"Key\" = 'rectification' ORDER BY \"Version\" DESC LIMIT 1"),
            CultureInfo.InvariantCulture);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The org tree, ids assigned here in order: cities, then each city's counties, townships and villages.
        var units = new List<object?[]>();
        var villages = new List<(int Id, int Township, int County, int City)>();
        var nextId = 1;
        for (var c = 0; c < scale.Cities; c++)
        {
            var city = nextId++;
            var cityCode = $"{(c % 31) + 11:00}{(c / 31) + 1:00}";
            units.Add([city, cityCode, $"第{c + 1}市", "City", null, $"/{city}/"]);
            for (var k = 0; k < scale.CountiesPerCity; k++)
            {
                var county = nextId++;
                var bench = BenchCountyId == 0;
                BenchCountyId = BenchCountyId == 0 ? county : BenchCountyId;
                var countyCode = $"{cityCode}{k + 1:00}";
                units.Add([county, countyCode, bench ? "基准县" : $"第{c + 1}市第{k + 1}县", "County", city, $"/{city}/{county}/"]);
                for (var t = 0; t < (bench ? BenchTownshipCount : scale.TownshipsPerCounty); t++)
                {
                    var township = nextId++;
                    Townships++;
                    var townshipCode = $"{countyCode}{t + 1:000}";
                    units.Add([township, townshipCode, $"第{t + 1}镇", "Township", county, $"/{city}/{county}/{township}/"]);
                    for (var v = 0; v < (bench ? BenchVillagesPerTownship : scale.VillagesPerTownship); v++)
                    {
                        var village = nextId++;
                        units.Add([village, $"{townshipCode}{v + 1:000}", $"第{v + 1}村", "Village", township, $"/{city}/{county}/{township}/{village}/"]);
                        villages.Add((village, township, county, city));
                    }
                }
            }
        }

        Villages = villages.Count;
        await InsertAsync(transaction, "OrgUnits", ["Id", "Code", "Name", "Level", "ParentId", "Path"], units, cancellationToken);

        var hash = new PasswordHasher<User>().HashPassword(new User { UserName = "bench", DisplayName = "bench", PasswordHash = "" }, Password);
        object?[] User(int id, string name, int unit) => [id, name, name, hash, unit, 0, null, now.UtcTicks];
        // The bench county's admin and inspector, and a secretary for each of its townships (bench-secretary-N).
        var benchTownships = units.Where(u => (string)u[3]! == "Township" && (int?)u[4] == BenchCountyId).Select(u => (int)u[0]!).ToList();
        var users = new List<object?[]> { User(1, "bench-county-admin", BenchCountyId), User(2, "bench-inspector", BenchCountyId) };
        var roles = new List<object?[]> { new object?[] { 1, "county-admin" }, new object?[] { 2, "inspector" } };
        for (var i = 0; i < benchTownships.Count; i++)
        {
            users.Add(User(3 + i, $"bench-secretary-{i + 1}", benchTownships[i]));
            roles.Add([3 + i, "township-secretary"]);
        }

        BenchTownships = benchTownships;
        await InsertAsync(transaction, "Users", ["Id", "UserName", "DisplayName", "PasswordHash", "OrgUnitId", "FailedLogins", "LockedUntil", "CreatedAt"],
            users, cancellationToken);
        await InsertAsync(transaction, "UserRole", ["UserId", "Role"], roles, cancellationToken);

        // Cases: the bench county's first villages, then villages drawn from the rest of the country, one case each.
        var benchVillages = villages.Where(v => v.County == BenchCountyId).Take(BenchCases).ToList();
        var others = villages.Where(v => v.County != BenchCountyId).OrderBy(_ => _random.Next()).Take(scale.Cases - benchVillages.Count).ToList();
        var cases = new List<object?[]>();
        var situations = new List<object?[]>();
        var events = new List<object?[]>();
        var items = new List<object?[]>();
        var itemSituations = new List<object?[]>();
        var itemId = 1;
        var caseId = 1;
        foreach (var village in benchVillages.Concat(others))
        {
            var id = caseId++;
            var stage = PickStage();
            var ended = stage is "closed" or "dismissed";
            // Every deadline lies beyond the reminder window: the first sweep finds nothing due (the empty sweep), and
            // the harness then makes 10,000 fall due at once.
            var entered = now.AddDays(-_random.Next(0, 10)).AddMinutes(-_random.Next(0, 600));
            DateTimeOffset? deadline = stage switch
            {
                "rectifying" => now.AddDays(_random.Next(30, 180)),
                "converted" or "closed" or "dismissed" => null,
                _ => now.AddDays(_random.Next(10, 30)),
            };
            var year = now.Year;
            cases.Add([id, village.Id, village.Township, village.County, village.City, year, ended ? null : year, "TownshipReport", 1, null, flowVersionId, stage,
                entered.UtcTicks, deadline?.UtcTicks, 0, 1, 1, entered.AddDays(-30).UtcTicks, ended ? entered.UtcTicks : null, null,
                ended ? null : LookAt(deadline)]);
            var code = _random.Next(1, 11).ToString(CultureInfo.InvariantCulture);
            situations.Add([id, code]);
            events.Add([id, id, 1, entered.AddDays(-30).UtcTicks, null, "基准数据", "propose", null, null, "proposed", null, null]);
            if (!WithLedger.Contains(stage))
            {
                continue;
            }

            var count = village.County == BenchCountyId ? BenchItemsPerCase : _random.Next(scale.ItemsPerCase / 2, (scale.ItemsPerCase * 3 / 2) + 1);
            for (var i = 0; i < count; i++)
            {
                var status = stage != "rectifying" ? "Closed" : _random.NextDouble() switch { < 0.6 => "Open", < 0.8 => "Reported", _ => "Closed" };
                var due = status == "Closed" ? now.AddDays(-_random.Next(1, 90)) : now.AddDays(_random.Next(10, 181)).AddHours(_random.Next(0, 24));
                items.Add([itemId, id, village.County, village.Township, village.Id, "Measure", $"对照情形 {code} 排查出的问题 {i + 1}", $"整改措施 {i + 1}",
                    "问题整改到位", "乡镇包村领导", "村党组织书记", due.UtcTicks, status,
                    status == "Open" ? null : "已完成", status == "Open" ? null : due.AddDays(-3).UtcTicks, status == "Open" ? null : "基准数据",
                    status == "Closed" ? due.AddDays(-1).UtcTicks : null, status == "Closed" ? "基准数据" : null, status == "Closed" ? "查看资料" : null,
                    0, 0, entered.UtcTicks, status == "Closed" ? null : LookAt(due)]);
                itemSituations.Add([itemId, code]);
                itemId++;
            }
        }

        CaseCount = cases.Count;
        ItemCount = items.Count;
        await InsertAsync(transaction, "Cases", ["Id", "VillageId", "TownshipId", "CountyId", "CityId", "Year", "OpenYear", "Source", "TimesListed", "Note",
            "FlowVersionId", "Stage", "StageEnteredAt", "StageDeadline", "DeadlineShift", "StageVisit", "Version", "CreatedAt", "EndedAt", "SuspendedAt",
            "NextAlertAt"],
            cases, cancellationToken);
        await InsertAsync(transaction, "CaseSituation", ["CaseId", "Code"], situations, cancellationToken);
        await InsertAsync(transaction, "CaseEvents", ["Id", "CaseId", "Seq", "At", "ActorId", "ActorName", "Kind", "Action", "FromStage", "ToStage", "Comment",
            "Changes"], events, cancellationToken);
        await InsertAsync(transaction, "LedgerItems", ["Id", "CaseId", "CountyId", "TownshipId", "VillageId", "Source", "Problem", "Measure", "Target",
            "TownshipResponsible", "VillageResponsible", "Deadline", "Status", "ReportNote", "ReportedAt", "ReportedByName", "ClosedAt", "ClosedByName",
            "VerificationMethod", "ReopenCount", "ExtensionCount", "CreatedAt", "NextAlertAt"], items, cancellationToken);
        await InsertAsync(transaction, "LedgerItemSituation", ["LedgerItemId", "Code"], itemSituations, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (connection is Npgsql.NpgsqlConnection)
        {
            // Ids were given explicitly: move each identity on past them, or the service's first insert collides.
            foreach (var table in new[] { "OrgUnits", "Users", "Cases", "CaseEvents", "LedgerItems" })
            {
                await ScalarAsync($"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), (SELECT max(\"Id\") FROM \"{table}\"))");
            }
        }

        await SettleAsync(connection);
    }

    /// <summary>What a database in service has long since done after a bulk write, done now, so that what is measured next
    /// is not charged with it: statistics gathered; on PostgreSQL dead row versions vacuumed, on SQLite the log folded
    /// into the file (else the service's start-up replays it).</summary>
    public static async Task SettleAsync(DbConnection connection)
    {
        foreach (var sql in connection is Npgsql.NpgsqlConnection ? ["VACUUM ANALYZE"] : new[] { "ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }

    // When the service's alert sweep first looks at a deadline (its NextAlertAt): early enough for any reminder a flow may
    // set (60 days cover 40 working days), after which the sweep keeps the exact time itself.
    private static long? LookAt(DateTimeOffset? deadline) => deadline?.AddDays(-60).UtcTicks;

    private string PickStage()
    {
        var roll = _random.NextDouble();
        foreach (var (stage, share) in Stages)
        {
            if ((roll -= share) < 0)
            {
                return stage;
            }
        }

        return Stages[^1].Stage;
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    // SQLite: one prepared single-row INSERT reused for every row of the transaction. PostgreSQL: binary COPY.
    private async Task InsertAsync(DbTransaction transaction, string table, string[] columns, List<object?[]> rows, CancellationToken cancellationToken)
    {
        var quoted = string.Join(", ", columns.Select(c => $"\"{c}\""));
        if (connection is Npgsql.NpgsqlConnection postgres)
        {
            // Binary COPY takes each value in its column's exact type: an int sent for a bigint column is refused.
            var bigint = new HashSet<string>(StringComparer.Ordinal);
            await using (var types = postgres.CreateCommand())
            {
                types.CommandText = "SELECT column_name FROM information_schema.columns WHERE table_name = @table AND data_type = 'bigint'";
                types.Parameters.AddWithValue("table", table);
                await using var reader = await types.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    bigint.Add(reader.GetString(0));
                }
            }

            await using var import = await postgres.BeginBinaryImportAsync($"COPY \"{table}\" ({quoted}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                await import.StartRowAsync(cancellationToken);
                for (var c = 0; c < row.Length; c++)
                {
                    switch (row[c])
                    {
                        case null:
                            await import.WriteNullAsync(cancellationToken);
                            break;
                        case int i when bigint.Contains(columns[c]):
                            await import.WriteAsync((long)i, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                            break;
                        case int i:
                            await import.WriteAsync(i, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                            break;
                        case long l:
                            await import.WriteAsync(l, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                            break;
                        case var text:
                            await import.WriteAsync((string)text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                            break;
                    }
                }
            }

            await import.CompleteAsync(cancellationToken);
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table}\" ({quoted}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
        var parameters = columns.Select((_, i) =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await command.PrepareAsync(cancellationToken);
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
