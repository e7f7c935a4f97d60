using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>Lists the cases in the caller's area, filtered and paged.</summary>
public static class ListCases
{
    public sealed record Query(int? County, int? Township, string? Stage, int? Year, int? Page, int? PageSize);

    public sealed record Item(int Id, int Year, OrgRef Village, OrgRef Township, string Stage, string StageName,
        DateTimeOffset? StageDeadline, int Version, int TimesListed);

    public sealed record Page(IReadOnlyList<Item> Items, int PageNumber, int PageSize, int Total);

    public const int MaxPageSize = 100;

    /// <summary>Far beyond any real list, and small enough that (page - 1) * pageSize cannot overflow.</summary>
    public const int MaxPage = 1_000_000;

    public sealed class Handler(CaseStore store, FlowCatalog flows)
    {
        public async Task<Result<Page>> HandleAsync(CurrentUser user, Query query, CancellationToken cancellationToken)
        {
            var page = query.Page ?? 1;
            var size = query.PageSize ?? 20;
            if (page is < 1 or > MaxPage)
            {
                return Problem.Invalid("page", $"Must be between 1 and {MaxPage}.");
            }

            if (size is < 1 or > MaxPageSize)
            {
                return Problem.Invalid("pageSize", $"Must be between 1 and {MaxPageSize}.");
            }

            var cases = store.VisibleTo(user).AsNoTracking();
            if (query.County is { } county)
            {
                cases = cases.Where(c => c.CountyId == county);
            }

            if (query.Township is { } township)
            {
                cases = cases.Where(c => c.TownshipId == township);
            }

            if (!string.IsNullOrWhiteSpace(query.Stage))
            {
                cases = cases.Where(c => c.Stage == query.Stage);
            }

            if (query.Year is { } year)
            {
                cases = cases.Where(c => c.Year == year);
            }

            var total = await cases.CountAsync(cancellationToken);
            var rows = await cases
                .OrderBy(c => c.Id)
                .Skip((page - 1) * size)
                .Take(size)
                .Join(store.Db.OrgUnits, c => c.VillageId, v => v.Id, (c, v) => new { Case = c, Village = v })
                .Join(store.Db.OrgUnits, x => x.Case.TownshipId, t => t.Id, (x, t) => new { x.Case, x.Village, Township = t })
                .OrderBy(x => x.Case.Id)
                .ToListAsync(cancellationToken);
            var items = rows.Select(x => new Item(
                x.Case.Id,
                x.Case.Year,
                new OrgRef(x.Village.Id, x.Village.Code, x.Village.Name),
                new OrgRef(x.Township.Id, x.Township.Code, x.Township.Name),
                x.Case.Stage,
                flows.Find(x.Case.FlowVersionId)?.Definition.FindStage(x.Case.Stage)?.Name ?? x.Case.Stage,
                x.Case.StageDeadline is { } d ? ShanghaiTime.ToLocal(d) : null,
                x.Case.Version,
                x.Case.TimesListed)).ToList();
            return new Page(items, page, size, total);
        }
    }
}
