using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Dashboard;

/// <summary>How far behind a unit is: green with nothing overdue, yellow with some, red when a fifth or more of its
/// open items are overdue.</summary>
public enum Grade
{
    Green,
    Yellow,
    Red,
}

/// <summary>A stage and how many of the area's cases are in it.</summary>
public sealed record StageCount(string Stage, string Name, int Cases);

/// <summary>One unit of the area (a township for the county, a county for the city, a village for a township).</summary>
public sealed record UnitRow(int Id, string Name, int Cases, IReadOnlyDictionary<string, int> ByStage, int OpenItems, int OverdueItems,
    int OverdueCases, decimal OverdueShare, Grade Grade);

/// <summary>A line of the conversion chart: cumulative counts per month of the year, January first.</summary>
public sealed record ConversionSeries(string Name, IReadOnlyList<int> Listed, IReadOnlyList<int> Converted);

/// <summary>The dashboard of the caller's area for one year.</summary>
public sealed record DashboardView(int Year, string Area, string UnitKind, DateTimeOffset At, IReadOnlyList<StageCount> Stages,
    IReadOnlyList<UnitRow> Units, IReadOnlyList<ConversionSeries> Conversion);

/// <summary>The figures county and city offices watch: cases by stage, overdue by unit graded red/yellow/green, and how
/// many listed branches were converted (验收通过) month by month. Counted in the database, per unit.</summary>
public sealed class Dashboard(AppDbContext db, CaseStore cases, ListLedger.Handler ledger, FlowCatalog flows, TimeProvider clock)
{
    /// <summary>From this share of open items overdue, a unit is red.</summary>
    public const decimal RedShare = 0.2m;

    public async Task<Result<DashboardView>> GetAsync(CurrentUser user, int? year, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var thisYear = ShanghaiTime.DateOf(now).Year;
        if (year is { } y && (y < 2000 || y > thisYear + 1))
        {
            return Problem.Invalid("year", $"Must be between 2000 and {thisYear + 1}.");
        }

        var wanted = year ?? thisYear;
        var area = await db.OrgUnits.AsNoTracking().SingleAsync(o => o.Id == user.OrgUnitId, cancellationToken);
        var unitKind = area.Level switch
        {
            OrgLevel.City => "县(市区)",
            OrgLevel.County => "乡镇",
            _ => "村",
        };
        var scoped = cases.VisibleTo(user).AsNoTracking().Where(c => c.Year == wanted);
        var byUnit = area.Level switch
        {
            OrgLevel.City => scoped.Select(c => new { Unit = c.CountyId, c.Id, c.Stage, c.StageDeadline, c.EndedAt, c.SuspendedAt }),
            OrgLevel.County => scoped.Select(c => new { Unit = c.TownshipId, c.Id, c.Stage, c.StageDeadline, c.EndedAt, c.SuspendedAt }),
            _ => scoped.Select(c => new { Unit = c.VillageId, c.Id, c.Stage, c.StageDeadline, c.EndedAt, c.SuspendedAt }),
        };
        var stageCounts = await byUnit.GroupBy(c => new { c.Unit, c.Stage }).Select(g => new { g.Key.Unit, g.Key.Stage, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var overdueCases = await byUnit.Where(c => c.EndedAt == null && c.SuspendedAt == null && c.StageDeadline < now)
            .GroupBy(c => c.Unit).Select(g => new { Unit = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Unit, x => x.Count, cancellationToken);

        var items = ledger.Filter(user, new ListLedger.Query(null, null, null, null, null, null, null, null, null, null)).Unwrap()
            .Where(i => i.Status != LedgerStatus.Closed && scoped.Any(c => c.Id == i.CaseId));
        var itemsByUnit = area.Level switch
        {
            OrgLevel.City => items.Join(db.Cases, i => i.CaseId, c => c.Id, (i, c) => new { Unit = c.CountyId, i.Deadline }),
            OrgLevel.County => items.Select(i => new { Unit = i.TownshipId, i.Deadline }),
            _ => items.Select(i => new { Unit = i.VillageId, i.Deadline }),
        };
        var itemCounts = await itemsByUnit.GroupBy(i => i.Unit)
            .Select(g => new { Unit = g.Key, Open = g.Count(), Overdue = g.Count(i => i.Deadline < now) })
            .ToDictionaryAsync(x => x.Unit, cancellationToken);

        // Every unit directly below the area shows, with or without cases, so a township with nothing listed is seen too.
        var units = await db.OrgUnits.AsNoTracking().Where(o => o.ParentId == area.Id).OrderBy(o => o.Code).Select(o => new { o.Id, o.Name })
            .ToListAsync(cancellationToken);
        var flow = flows.LatestFor(flows.DefaultFlowKey, user.CountyId)?.Definition ?? flows.Keys.Select(k => flows.LatestFor(k, user.CountyId)?.Definition).FirstOrDefault(f => f is not null);
        var stageOrder = flow?.Stages.Select(s => (s.Key, s.Name)).ToList() ?? [];
        foreach (var extra in stageCounts.Select(s => s.Stage).Distinct().Where(s => stageOrder.All(o => o.Key != s)).Order(StringComparer.Ordinal))
        {
            stageOrder.Add((extra, extra));
        }

        var rows = units.Select(u =>
        {
            var byStage = stageCounts.Where(s => s.Unit == u.Id).ToDictionary(s => s.Stage, s => s.Count);
            var counts = itemCounts.GetValueOrDefault(u.Id);
            var open = counts?.Open ?? 0;
            var overdue = counts?.Overdue ?? 0;
            var late = overdueCases.GetValueOrDefault(u.Id);
            var share = open == 0 ? 0m : Math.Round((decimal)overdue / open, 3);
            // Graded on the exact share; the rounded one is for display only.
            var grade = overdue == 0 && late == 0 ? Grade.Green : open > 0 && (decimal)overdue / open >= RedShare ? Grade.Red : Grade.Yellow;
            return new UnitRow(u.Id, u.Name, byStage.Values.Sum(), byStage, open, overdue, late, share, grade);
        }).ToList();

        var conversion = await ConversionAsync(area, units.ToDictionary(u => u.Id, u => u.Name), scoped, wanted, cancellationToken);
        return new DashboardView(wanted, area.Name, unitKind, ShanghaiTime.ToLocal(now),
            stageOrder.Select(s => new StageCount(s.Key, s.Name, stageCounts.Where(c => c.Stage == s.Key).Sum(c => c.Count))).ToList(),
            rows, conversion);
    }

    // Listed: the month a case left the flow's first stage for a stage that is not an end (确认列入). Converted: the month
    // it reached a stage that an acceptance-guarded action leads to (验收通过).
    private async Task<IReadOnlyList<ConversionSeries>> ConversionAsync(OrgUnit area, Dictionary<int, string> names, IQueryable<Case> scoped, int year,
        CancellationToken cancellationToken)
    {
        var definitions = flows.Keys.SelectMany(flows.Versions).Select(v => v.Definition).ToList();
        var starts = definitions.Select(d => d.Start).Distinct().ToList();
        var ends = definitions.SelectMany(d => d.Stages).Where(s => s.Terminal).Select(s => s.Key).Distinct().ToList();
        var converted = definitions.SelectMany(d => d.Stages).SelectMany(s => s.Actions)
            .Where(a => a.Guards.OfType<AcceptancePassedGuard>().Any()).Select(a => a.To).Distinct().ToList();
        var events = await db.CaseEvents.AsNoTracking()
            .Where(e => e.Kind == "action" && scoped.Any(c => c.Id == e.CaseId)
                && ((starts.Contains(e.FromStage!) && !ends.Contains(e.ToStage!)) || converted.Contains(e.ToStage!)))
            .Join(scoped, e => e.CaseId, c => c.Id, (e, c) => new { e.At, e.ToStage, c.CountyId, c.TownshipId })
            .ToListAsync(cancellationToken);

        var perMonth = events.Select(e => (Month: ShanghaiTime.ToLocal(e.At).Year == year ? ShanghaiTime.ToLocal(e.At).Month : ShanghaiTime.ToLocal(e.At).Year < year ? 1 : 13,
            Converted: converted.Contains(e.ToStage!), Unit: area.Level == OrgLevel.City ? e.CountyId : e.TownshipId)).ToList();
        ConversionSeries Series(string name, Func<int, bool> ofUnit)
        {
            int[] Cumulative(bool conversion) => Enumerable.Range(1, 12)
                .Select(m => perMonth.Count(e => e.Converted == conversion && ofUnit(e.Unit) && e.Month <= m)).ToArray();
            return new ConversionSeries(name, Cumulative(false), Cumulative(true));
        }

        return area.Level == OrgLevel.City
            ? names.Select(n => Series(n.Value, unit => unit == n.Key)).ToList()
            : [Series(area.Name, _ => true)];
    }
}

/// <summary>The dashboard's registration and its API endpoint.</summary>
public static class DashboardEndpoints
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) => services.AddScoped<Dashboard>();

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/dashboard", async (int? year, HttpContext http, Dashboard dashboard, CancellationToken ct) =>
                (await dashboard.GetAsync(http.GetCurrentUser(), year, ct)).ToHttp(view => TypedResults.Ok(view)))
            .WithTags("Dashboard")
            .WithSummary("The caller's area for a year (default this year): cases by stage, overdue by unit graded red/yellow/green, conversion by month.")
            .Produces<DashboardView>()
            .ProducesValidationProblem();
        return app;
    }
}
