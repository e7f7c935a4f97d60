using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Dispatch;

/// <summary>A weekly dispatch (每周调度) of one county, stored as it was generated.</summary>
public sealed class DispatchReport
{
    public int Id { get; set; }

    public int CountyId { get; set; }

    /// <summary>The Monday the dispatch is for; the week covered is the seven days before it.</summary>
    public DateOnly WeekOf { get; set; }

    public DateTimeOffset GeneratedAt { get; set; }

    /// <summary>The figures as JSON: a snapshot read whole, never searched.</summary>
    public required string Content { get; set; }
}

/// <summary>When the dispatch is made, bound from the <c>Dispatch</c> section.</summary>
public sealed record DispatchOptions
{
    public const string Section = "Dispatch";

    public DayOfWeek Day { get; init; } = DayOfWeek.Monday;

    /// <summary>Local time (Asia/Shanghai) on that day. Default: 08:30.</summary>
    public TimeOnly Time { get; init; } = new(8, 30);

    /// <summary>Open items this long past their deadline count as long overdue. Default: 30 days.</summary>
    public TimeSpan LongOverdue { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>The figures of one dispatch.</summary>
public sealed record DispatchContent(
    string County,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyDictionary<string, int> CasesByStage,
    int ItemsClosed,
    IReadOnlyList<int> NewlyOverdue,
    IReadOnlyList<int> LongOverdue,
    int ExtensionsGranted,
    IReadOnlyList<DispatchContent.TownshipRow> Townships)
{
    /// <summary>A township's open and overdue items; townships are ranked by overdue share, worst first.</summary>
    public sealed record TownshipRow(string Township, int OpenItems, int OverdueItems, decimal OverdueShare);
}

/// <summary>Makes each county's weekly dispatch once its time has come (checked on every sweep, so a dispatch due while
/// the service was down is made when it is back); one per county and week.</summary>
public sealed class WeeklyDispatch(IServiceScopeFactory scopes, TimeProvider clock, DispatchOptions options, Channels.Outbox outbox, ILogger<WeeklyDispatch> logger)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = ShanghaiTime.DateOf(now);
        var weekOf = today.AddDays(-(((int)today.DayOfWeek - (int)options.Day + 7) % 7));
        var at = new DateTimeOffset(weekOf.ToDateTime(options.Time), TimeSpan.FromHours(8));
        if (now < at)
        {
            weekOf = weekOf.AddDays(-7);
            at = at.AddDays(-7);
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var counties = await db.Cases.Select(c => c.CountyId).Distinct().ToListAsync(cancellationToken);
        var done = await db.Set<DispatchReport>().Where(d => d.WeekOf == weekOf).Select(d => d.CountyId).ToListAsync(cancellationToken);
        var made = 0;
        foreach (var county in counties.Except(done))
        {
            var content = await BuildAsync(db, scope.ServiceProvider.GetRequiredService<FlowCatalog>(), county, at.AddDays(-7), at, cancellationToken);
            db.Add(new DispatchReport { CountyId = county, WeekOf = weekOf, GeneratedAt = now, Content = JsonSerializer.Serialize(content, Json) });
            var code = await db.OrgUnits.Where(o => o.Id == county).Select(o => o.Code).SingleAsync(cancellationToken);
            outbox.Enqueue(db, code, isDispatch: true, $"dispatch:{county}:{weekOf:yyyy-MM-dd}", $"{content.County}每周调度（{weekOf:yyyy-MM-dd}）",
                $"本周销号 {content.ItemsClosed} 项，新增逾期 {content.NewlyOverdue.Count} 项，长期逾期 {content.LongOverdue.Count} 项，批准延期 {content.ExtensionsGranted} 次。\n"
                + string.Join("\n", content.Townships.Select((t, i) => $"{i + 1}. {t.Township}：未销号 {t.OpenItems}，逾期 {t.OverdueItems}（{t.OverdueShare:P0}）")),
                content);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                made++;
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear(); // made meanwhile elsewhere: one per county and week
            }
        }

        if (made > 0)
        {
            logger.LogInformation("Weekly dispatch of {WeekOf} made for {Count} counties", weekOf, made);
        }

        return made;
    }

    private async Task<DispatchContent> BuildAsync(AppDbContext db, FlowCatalog flows, int county, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken)
    {
        var name = await db.OrgUnits.Where(o => o.Id == county).Select(o => o.Name).SingleAsync(cancellationToken);
        var open = await db.Cases.AsNoTracking().Where(c => c.CountyId == county && c.EndedAt == null)
            .Select(c => new { c.Stage, c.FlowVersionId }).ToListAsync(cancellationToken);
        var byStage = open.GroupBy(c => flows.Find(c.FlowVersionId)?.Definition.FindStage(c.Stage)?.Name ?? c.Stage)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var items = db.LedgerItems.AsNoTracking().Where(i => i.CountyId == county);
        var closed = await items.CountAsync(i => i.ClosedAt >= from && i.ClosedAt < to, cancellationToken);
        var newlyOverdue = await items.Where(i => i.Status != LedgerStatus.Closed && i.Deadline >= from && i.Deadline < to)
            .OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(cancellationToken);
        var longCutoff = to - options.LongOverdue;
        var longOverdue = await items.Where(i => i.Status != LedgerStatus.Closed && i.Deadline < longCutoff)
            .OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(cancellationToken);
        var caseIds = db.Cases.Where(c => c.CountyId == county).Select(c => c.Id);
        var extensions = await db.CaseEvents.CountAsync(e => caseIds.Contains(e.CaseId) && e.Action == "decide-extension" && e.At >= from && e.At < to
            && e.Comment != null && e.Comment.Contains("同意延期"), cancellationToken);
        var perTownship = await items.Where(i => i.Status != LedgerStatus.Closed)
            .GroupBy(i => i.TownshipId)
            .Select(g => new { Township = g.Key, Open = g.Count(), Overdue = g.Count(i => i.Deadline < to) })
            .ToListAsync(cancellationToken);
        var townshipIds = perTownship.Select(t => t.Township).ToList();
        var townshipNames = await db.OrgUnits.Where(o => townshipIds.Contains(o.Id) && o.Level == OrgLevel.Township).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        var rows = perTownship
            .Select(t => new DispatchContent.TownshipRow(townshipNames[t.Township], t.Open, t.Overdue, t.Open == 0 ? 0 : Math.Round((decimal)t.Overdue / t.Open, 3)))
            .OrderByDescending(r => r.OverdueShare).ThenBy(r => r.Township, StringComparer.Ordinal).ToList();
        return new DispatchContent(name, ShanghaiTime.ToLocal(from), ShanghaiTime.ToLocal(to), byStage, closed, newlyOverdue, longOverdue, extensions, rows);
    }
}
