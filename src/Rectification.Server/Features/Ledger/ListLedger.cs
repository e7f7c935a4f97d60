using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Ledger;

/// <summary>A ledger item as the API shows it.</summary>
public sealed record LedgerItemView(
    int Id,
    int CaseId,
    string Village,
    string Township,
    string Source,
    string Problem,
    string Measure,
    string Target,
    string TownshipResponsible,
    string VillageResponsible,
    DateTimeOffset Deadline,
    bool Overdue,
    string Status,
    string? ReportNote,
    string? ReportedBy,
    DateTimeOffset? ReportedAt,
    string? ClosedBy,
    DateTimeOffset? ClosedAt,
    string? VerificationMethod,
    int ReopenCount,
    string? ReopenReason,
    int ExtensionCount,
    DateOnly? RequestedDeadline,
    IReadOnlyList<string> Situations);

/// <summary>The ledger (台账) of the caller's area: filtered, sorted and paged.</summary>
public static class ListLedger
{
    public sealed record Query(int? County, int? Township, int? Village, string? Status, bool? Overdue, string? Situation, string? Responsible,
        string? Sort, int? Page, int? PageSize);

    public sealed record Page(IReadOnlyList<LedgerItemView> Items, int PageNumber, int PageSize, int Total);

    public sealed class Handler(Data.AppDbContext db, TimeProvider clock)
    {
        public async Task<Result<Page>> HandleAsync(CurrentUser user, Query query, CancellationToken cancellationToken)
        {
            var page = query.Page ?? 1;
            var size = query.PageSize ?? 50;
            if (page is < 1 or > 1_000_000)
            {
                return Problem.Invalid("page", "Must be between 1 and 1000000.");
            }

            if (size is < 1 or > 200)
            {
                return Problem.Invalid("pageSize", "Must be between 1 and 200.");
            }

            var filtered = Filter(user, query);
            if (!filtered.Succeeded)
            {
                return filtered.Problem;
            }

            var items = filtered.Value;
            var now = clock.GetUtcNow();
            items = query.Sort switch
            {
                "-deadline" => items.OrderByDescending(i => i.Deadline).ThenBy(i => i.Id),
                "id" => items.OrderBy(i => i.Id),
                "-id" => items.OrderByDescending(i => i.Id),
                _ => items.OrderBy(i => i.Deadline).ThenBy(i => i.Id),
            };
            var total = await items.CountAsync(cancellationToken);
            var rows = await items.Skip((page - 1) * size).Take(size).Include(i => i.Situations).ToListAsync(cancellationToken);
            var unitIds = rows.SelectMany(r => new[] { r.VillageId, r.TownshipId }).Distinct().ToList();
            var names = await db.OrgUnits.AsNoTracking().Where(o => unitIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
            return new Page(rows.Select(r => View(r, names[r.VillageId], names[r.TownshipId], now)).ToList(), page, size, total);
        }

        /// <summary>The caller's ledger with the query's filters applied (not sorted or paged); shared with the export.</summary>
        public Result<IQueryable<LedgerItem>> Filter(CurrentUser user, Query query)
        {
            LedgerStatus? status = null;
            if (query.Status is not null)
            {
                status = query.Status.ToLowerInvariant() switch
                {
                    "open" => LedgerStatus.Open,
                    "reported" => LedgerStatus.Reported,
                    "closed" => LedgerStatus.Closed,
                    _ => null,
                };
                if (status is null)
                {
                    return Problem.Invalid("status", "One of open, reported, closed.");
                }
            }

            if (query.Sort is not (null or "deadline" or "-deadline" or "id" or "-id"))
            {
                return Problem.Invalid("sort", "One of deadline, -deadline, id, -id.");
            }

            var items = user.OrgLevel switch
            {
                OrgLevel.City => db.LedgerItems.Where(i => db.Cases.Any(c => c.Id == i.CaseId && c.CityId == user.OrgUnitId)),
                OrgLevel.County => db.LedgerItems.Where(i => i.CountyId == user.OrgUnitId),
                OrgLevel.Township => db.LedgerItems.Where(i => i.TownshipId == user.OrgUnitId),
                _ => db.LedgerItems.Where(i => i.VillageId == user.OrgUnitId),
            };
            items = items.AsNoTracking();
            if (query.County is { } county)
            {
                items = items.Where(i => i.CountyId == county);
            }

            if (query.Township is { } township)
            {
                items = items.Where(i => i.TownshipId == township);
            }

            if (query.Village is { } village)
            {
                items = items.Where(i => i.VillageId == village);
            }

            if (status is { } s)
            {
                items = items.Where(i => i.Status == s);
            }

            var now = clock.GetUtcNow();
            if (query.Overdue is { } overdue)
            {
                items = overdue
                    ? items.Where(i => i.Status != LedgerStatus.Closed && i.Deadline < now)
                    : items.Where(i => i.Status == LedgerStatus.Closed || i.Deadline >= now);
            }

            if (!string.IsNullOrWhiteSpace(query.Situation))
            {
                items = items.Where(i => i.Situations.Any(x => x.Code == query.Situation));
            }

            if (!string.IsNullOrWhiteSpace(query.Responsible))
            {
                items = items.Where(i => i.TownshipResponsible.Contains(query.Responsible) || i.VillageResponsible.Contains(query.Responsible));
            }

            return ResultOf.Value(items);
        }
    }

    public static LedgerItemView View(LedgerItem i, string village, string township, DateTimeOffset now) =>
        View(i, village, township, now, i.Situations.Select(x => x.Code));

    /// <summary>The view of an item whose situation codes were read on their own, not loaded into its collection.</summary>
    public static LedgerItemView View(LedgerItem i, string village, string township, DateTimeOffset now, IEnumerable<string> situations) => new(
        i.Id,
        i.CaseId,
        village,
        township,
        i.Source.ToString().ToLowerInvariant(),
        i.Problem,
        i.Measure,
        i.Target,
        i.TownshipResponsible,
        i.VillageResponsible,
        ShanghaiTime.ToLocal(i.Deadline),
        i.Status != LedgerStatus.Closed && i.Deadline < now,
        i.Status.ToString().ToLowerInvariant(),
        i.ReportNote,
        i.ReportedByName,
        i.ReportedAt is { } r ? ShanghaiTime.ToLocal(r) : null,
        i.ClosedByName,
        i.ClosedAt is { } c ? ShanghaiTime.ToLocal(c) : null,
        i.VerificationMethod,
        i.ReopenCount,
        i.ReopenReason,
        i.ExtensionCount,
        i.RequestedDeadline,
        situations.Order(StringComparer.Ordinal).ToList());
}
