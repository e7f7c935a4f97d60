using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;

namespace Rectification.Server.Features.Audit;

/// <summary>Recomputes the hash chain of every case in the caller's area and lists the cases whose history no longer
/// verifies: an entry edited, removed or inserted in the database behind the service's back.</summary>
public static class VerifyHistory
{
    /// <summary>What the check found: how much it read, and each case that failed with the first entry that did.</summary>
    public sealed record Report(DateTimeOffset VerifiedAt, int Cases, long Entries, bool Intact, IReadOnlyList<BrokenCase> Broken);

    /// <summary>A case whose chain breaks at <paramref name="Seq"/>; <paramref name="Problem"/> says how
    /// (edited, missing, unchained, head) and <paramref name="Description"/> says it in Chinese.</summary>
    public sealed record BrokenCase(int CaseId, string Village, int Year, int? Seq, string Problem, string Description);

    public sealed class Handler(CaseStore store, TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Report> HandleAsync(CurrentUser user, CancellationToken cancellationToken)
        {
            var verifiedAt = clock.GetUtcNow();
            var cases = await store.VisibleTo(user).AsNoTracking().OrderBy(c => c.Id)
                .Select(c => new CaseHead(c.Id, c.VillageId, c.Year, c.Version, c.HistoryHash))
                .ToDictionaryAsync(c => c.Id, cancellationToken);
            var broken = new Dictionary<int, (int? Seq, string Problem)>();
            var seen = new HashSet<int>();
            var entries = 0L;
            var current = (CaseId: -1, Seq: 0, Hash: (string?)null);

            // Streamed in chain order: a city's history is millions of rows and is never held at once.
            var history = store.VisibleTo(user).Join(store.Db.CaseEvents, c => c.Id, e => e.CaseId, (_, e) => e)
                .AsNoTracking().OrderBy(e => e.CaseId).ThenBy(e => e.Seq).AsAsyncEnumerable();
            await foreach (var entry in history.WithCancellation(cancellationToken))
            {
                entries++;
                if (entry.CaseId != current.CaseId)
                {
                    Finish(current.CaseId, current.Seq, current.Hash);
                    current = (entry.CaseId, 0, null);
                }

                if (broken.ContainsKey(entry.CaseId))
                {
                    continue;
                }

                if (entry.Seq != current.Seq + 1)
                {
                    broken[entry.CaseId] = (current.Seq + 1, "missing");
                }
                else if (entry.Hash is null)
                {
                    broken[entry.CaseId] = (entry.Seq, "unchained");
                }
                else if (HistoryChain.Link(current.Hash, entry) != entry.Hash)
                {
                    broken[entry.CaseId] = (entry.Seq, "edited");
                }

                current = (entry.CaseId, entry.Seq, entry.Hash);
            }

            Finish(current.CaseId, current.Seq, current.Hash);
            foreach (var head in cases.Values.Where(c => c.Version > 0 && !seen.Contains(c.Id)))
            {
                broken[head.Id] = (1, "missing");
            }

            var villages = await store.Db.OrgUnits.AsNoTracking()
                .Where(o => broken.Keys.Select(id => cases[id].VillageId).Contains(o.Id))
                .ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
            var report = broken.OrderBy(b => b.Key).Select(b =>
            {
                var head = cases[b.Key];
                return new BrokenCase(b.Key, villages.GetValueOrDefault(head.VillageId, "?"), head.Year, b.Value.Seq, b.Value.Problem, Describe(b.Value.Problem));
            }).ToList();
            if (report.Count > 0)
            {
                logger.LogWarning("History verification by {UserName}: {Broken} of {Cases} cases do not verify: {CaseIds}", user.UserName, report.Count,
                    cases.Count, report.Select(b => b.CaseId));
            }

            return new Report(verifiedAt, cases.Count, entries, report.Count == 0, report);

            void Finish(int caseId, int lastSeq, string? lastHash)
            {
                if (caseId < 0)
                {
                    return;
                }

                seen.Add(caseId);
                if (broken.ContainsKey(caseId) || !cases.TryGetValue(caseId, out var head))
                {
                    return;
                }

                // The case row remembers its newest entry: history cut short at the end, or the version moved without
                // an entry, shows here.
                if (lastSeq < head.Version)
                {
                    broken[caseId] = (lastSeq + 1, "missing");
                }
                else if (lastSeq > head.Version || lastHash != head.HistoryHash)
                {
                    broken[caseId] = (null, "head");
                }
            }
        }

        private static string Describe(string problem) => problem switch
        {
            "edited" => "该条记录的内容与哈希链不符：在系统之外被修改过。",
            "missing" => "记录序号不连续：有记录在系统之外被删除。",
            "unchained" => "该条记录没有哈希：在系统之外被插入。",
            _ => "案件记录的最新哈希与历史不符：历史或案件在系统之外被改动。",
        };

        private sealed record CaseHead(int Id, int VillageId, int Year, int Version, string? HistoryHash);
    }
}
