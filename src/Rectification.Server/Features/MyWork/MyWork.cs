using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.MyWork;

/// <summary>Something that waits for the caller: an action or checklist signature on a case, a ledger item to report or
/// to tick off, an extension to decide. <see cref="WorkingDaysLeft"/> is negative when overdue.</summary>
public sealed record WorkItem(string Kind, int CaseId, int? ItemId, string Village, string Township, string Stage, string Task,
    DateTimeOffset? Deadline, int? WorkingDaysLeft, bool Overdue);

/// <summary>我的待办: what needs the caller now, overdue first, then by deadline.</summary>
public sealed class MyWork(CaseStore cases, FlowCatalog flows, ListLedger.Handler ledger, IWorkingCalendar calendar, TimeProvider clock)
{
    /// <summary>Enough for a day's work; the ledger page lists the rest.</summary>
    public const int MaxItems = 200;

    public async Task<IReadOnlyList<WorkItem>> ListAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = ShanghaiTime.DateOf(now);
        int? Left(DateTimeOffset? deadline) => deadline is { } d ? DurationExpression.CountWorkingDays(today, ShanghaiTime.DateOf(d), calendar) : null;
        var work = new List<WorkItem>();
        if (user.IsReadOnly)
        {
            return work;
        }

        // Stages where the caller holds an action or a checklist item, in any flow version: only those cases are read.
        var stages = flows.Keys.SelectMany(flows.Versions).SelectMany(v => v.Definition.Stages)
            .Where(s => s.Actions.Any(a => a.Roles.Any(user.Has)) || s.Checklist.Any(c => user.Has(c.Role)))
            .Select(s => s.Key).Distinct().ToList();
        var open = await cases.VisibleTo(user).AsNoTracking()
            .Where(c => c.EndedAt == null && c.SuspendedAt == null && stages.Contains(c.Stage))
            .Include(c => c.Signatures)
            .Join(cases.Db.OrgUnits, c => c.VillageId, v => v.Id, (c, v) => new { Case = c, Village = v.Name })
            .Join(cases.Db.OrgUnits, x => x.Case.TownshipId, t => t.Id, (x, t) => new { x.Case, x.Village, Township = t.Name })
            .OrderBy(x => x.Case.StageDeadline == null)
            .ThenBy(x => x.Case.StageDeadline)
            .Take(MaxItems)
            .ToListAsync(cancellationToken);
        foreach (var x in open)
        {
            var flow = flows.Find(x.Case.FlowVersionId)?.Definition;
            var stage = flow?.FindStage(x.Case.Stage);
            if (flow is null || stage is null)
            {
                continue;
            }

            var actions = FlowEngine.ActionsFor(flow, stage.Key, user.Roles);
            var signed = x.Case.Signatures.Where(s => s.StageVisit == x.Case.StageVisit).Select(s => s.Item).ToHashSet();
            var toSign = stage.Checklist.Where(c => user.Has(c.Role) && !signed.Contains(c.Key)).ToList();
            var overdue = x.Case.StageDeadline < now;
            if (actions.Count > 0)
            {
                work.Add(new WorkItem("action", x.Case.Id, null, x.Village, x.Township, stage.Name, string.Join("或", actions.Select(a => a.Name)),
                    Local(x.Case.StageDeadline), Left(x.Case.StageDeadline), overdue));
            }

            foreach (var item in toSign)
            {
                work.Add(new WorkItem("checklist", x.Case.Id, null, x.Village, x.Township, stage.Name, $"签字确认：{item.Name}",
                    Local(x.Case.StageDeadline), Left(x.Case.StageDeadline), overdue));
            }
        }

        var (status, kind, task) = user.Has(Roles.Inspector) ? (LedgerStatus.Reported, "tick", "核验销号")
            : user.Has(Roles.TownshipSecretary) || user.Has(Roles.FirstSecretary) ? (LedgerStatus.Open, "report", "落实整改并报告完成")
            : (LedgerStatus.Open, "extension", "审批延期申请");
        var items = ledger.Filter(user, new ListLedger.Query(null, null, null, null, null, null, null, null, null, null)).Unwrap();
        items = kind == "extension"
            ? items.Where(i => i.RequestedDeadline != null && i.Status != LedgerStatus.Closed)
            : items.Where(i => i.Status == status);
        var rows = await items.OrderBy(i => i.Deadline).Take(MaxItems)
            .Join(cases.Db.OrgUnits, i => i.VillageId, v => v.Id, (i, v) => new { Item = i, Village = v.Name })
            .Join(cases.Db.OrgUnits, x => x.Item.TownshipId, t => t.Id, (x, t) => new { x.Item, x.Village, Township = t.Name })
            .ToListAsync(cancellationToken);
        work.AddRange(rows.Select(r => new WorkItem(kind, r.Item.CaseId, r.Item.Id, r.Village, r.Township, "台账",
            $"{task}：{r.Item.Measure}", Local(r.Item.Deadline), Left(r.Item.Deadline), r.Item.Deadline < now)));

        return work.OrderByDescending(w => w.Overdue).ThenBy(w => w.Deadline ?? DateTimeOffset.MaxValue).ThenBy(w => w.CaseId).Take(MaxItems).ToList();
    }

    private static DateTimeOffset? Local(DateTimeOffset? instant) => instant is { } t ? ShanghaiTime.ToLocal(t) : null;
}

/// <summary>The registration and API endpoint of 我的待办.</summary>
public static class MyWorkEndpoints
{
    public static IServiceCollection AddMyWork(this IServiceCollection services) => services.AddScoped<MyWork>();

    public static IEndpointRouteBuilder MapMyWorkEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/my-work", async (HttpContext http, MyWork work, CancellationToken ct) =>
                TypedResults.Ok(await work.ListAsync(http.GetCurrentUser(), ct)))
            .WithTags("Cases")
            .WithSummary("我的待办: actions, checklist signatures and ledger items waiting for the caller; overdue first, with working days left.")
            .Produces<IReadOnlyList<WorkItem>>();
        return app;
    }
}
