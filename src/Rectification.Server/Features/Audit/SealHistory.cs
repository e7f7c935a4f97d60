using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Rectification.Server.Data;

namespace Rectification.Server.Features.Audit;

/// <summary>Chains history entries written before the chain existed (an upgraded database, or rows loaded in bulk), once,
/// at start-up, so from then on every case's whole history verifies.</summary>
public sealed class SealHistory(AppDbContext db, ILogger<SealHistory> logger)
{
    private const int CasesPerTransaction = 500;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // Answered from an index that holds only unsealed entries: nothing to read on every start but the first.
        if (!await db.CaseEvents.AnyAsync(e => e.Hash == null, cancellationToken))
        {
            return 0;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var caseIds = await db.CaseEvents.Where(e => e.Hash == null).Select(e => e.CaseId).Distinct().OrderBy(id => id).ToListAsync(cancellationToken);
        var sealedEntries = 0;
        var connection = db.Database.GetDbConnection();
        foreach (var chunk in caseIds.Chunk(CasesPerTransaction))
        {
            var events = await db.CaseEvents.AsNoTracking().Where(e => chunk.Contains(e.CaseId))
                .OrderBy(e => e.CaseId).ThenBy(e => e.Seq).ToListAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await using var sealEvent = Command(connection, transaction.GetDbTransaction(),
                "UPDATE \"CaseEvents\" SET \"Hash\" = @hash WHERE \"Id\" = @id AND \"Hash\" IS NULL", "hash", "id");
            await using var sealCase = Command(connection, transaction.GetDbTransaction(),
                "UPDATE \"Cases\" SET \"HistoryHash\" = @hash WHERE \"Id\" = @id", "hash", "id");
            foreach (var history in events.GroupBy(e => e.CaseId))
            {
                string? previous = null;
                foreach (var entry in history)
                {
                    // An entry sealed before keeps its hash: the chain goes on from it as it stands.
                    if (entry.Hash is null)
                    {
                        entry.Hash = HistoryChain.Link(previous, entry);
                        sealEvent.Parameters[0].Value = entry.Hash;
                        sealEvent.Parameters[1].Value = entry.Id;
                        await sealEvent.ExecuteNonQueryAsync(cancellationToken);
                        sealedEntries++;
                    }

                    previous = entry.Hash;
                }

                sealCase.Parameters[0].Value = previous;
                sealCase.Parameters[1].Value = history.Key;
                await sealCase.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        logger.LogInformation("History chained: {Entries} entries of {Cases} cases written before chaining, in {Ms:F0} ms",
            sealedEntries, caseIds.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return sealedEntries;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
