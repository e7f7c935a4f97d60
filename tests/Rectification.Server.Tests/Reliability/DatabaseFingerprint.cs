using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rectification.Server.Data;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>What the service has stored, cheaply: per table of the model its row count and an order-independent hash of
/// every row's values, and the evidence files on disk. Equal fingerprints mean nothing was written in between.</summary>
public sealed record DatabaseFingerprint(IReadOnlyDictionary<string, string> Tables)
{
    /// <summary>Reads every table of the model in one round trip, so a fuzz run can afford one after each refusal.</summary>
    public static async Task<DatabaseFingerprint> TakeAsync(RectificationApp app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Every table of the model, so a table added later is watched without touching this.
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", tables.Select(t => $"SELECT * FROM \"{t}\""));
            await using var reader = await command.ExecuteReaderAsync();
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var row = new StringBuilder();
            foreach (var table in tables)
            {
                long count = 0;
                ulong sum = 0;
                while (await reader.ReadAsync())
                {
                    row.Clear();
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        var value = reader.GetValue(i);
                        row.Append(value switch
                        {
                            byte[] bytes => Convert.ToBase64String(bytes),
                            DBNull => "∅",
                            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                        }).Append('\u001f');
                    }

                    count++;
                    // A sum of row hashes does not depend on the order the database returns rows in.
                    unchecked
                    {
                        sum += BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(row.ToString())), 0);
                    }
                }

                result[table] = $"{count} rows, {sum:x16}";
                await reader.NextResultAsync();
            }

            var evidence = Path.Combine(app.DataDirectory, "evidence");
            result["evidence files"] = Directory.Exists(evidence)
                ? string.Join(",", Directory.EnumerateFiles(evidence, "*", SearchOption.AllDirectories).Select(f => $"{Path.GetFileName(f)}:{new FileInfo(f).Length}").Order(StringComparer.Ordinal))
                : "";
            return new DatabaseFingerprint(result);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Pauses the timers and waits for a sweep already running to finish (and then until the data stops changing),
    /// then takes the fingerprint: a sweep writing alerts meanwhile would look like a refused request that wrote.</summary>
    public static async Task<DatabaseFingerprint> QuietAsync(RectificationApp app)
    {
        // Paused rather than put in standby: the hosted service may start the scheduler after this, which ends a standby.
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.PauseAll();
        for (var i = 0; i < 600 && (await scheduler.QueryFireInstances(new FireInstanceQuery())).Items.Count > 0; i++)
        {
            await Task.Delay(50);
        }

        var last = await TakeAsync(app);
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(100);
            var next = await TakeAsync(app);
            if (last.Differences(next).Count == 0)
            {
                return next;
            }

            last = next;
        }

        return last;
    }

    /// <summary>Fails naming the tables that changed since this fingerprint was taken.</summary>
    public async Task AssertUnchangedAsync(RectificationApp app)
    {
        var changed = Differences(await TakeAsync(app));
        Assert.True(changed.Count == 0, "Refused, yet written: " + string.Join("; ", changed));
    }

    /// <summary>The tables whose content differs, for a failure message; empty when nothing changed.</summary>
    public IReadOnlyList<string> Differences(DatabaseFingerprint other) =>
        Tables.Keys.Union(other.Tables.Keys).Where(k => Tables.GetValueOrDefault(k) != other.Tables.GetValueOrDefault(k))
            .Select(k => $"{k}: {Tables.GetValueOrDefault(k)} → {other.Tables.GetValueOrDefault(k)}").ToList();
}
