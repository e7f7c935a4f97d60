using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Alerts;

/// <summary>Raises every reminder, overdue alert and escalation that has fallen due for open deadlines (case stages and
/// ledger items). Due times are computed from the deadlines in our tables each sweep, and each alert has a unique
/// key, so a missed sweep raises the alert later (marked late) and a repeated one raises nothing twice.</summary>
public sealed class RaiseAlerts(IServiceScopeFactory scopes, TimeProvider clock, IWorkingCalendar calendar, AlertOptions options, Channels.Outbox outbox,
    ILogger<RaiseAlerts> logger)
{
    private sealed record Subject(string Key, int CaseId, int? ItemId, string What, DateTimeOffset Deadline, int Township, int County, int City, int FlowVersionId);

    /// <summary>Reminder days and escalation steps in force for one subject: its flow's own, else the defaults.</summary>
    private sealed record Policy(IReadOnlyList<int> Remind, IReadOnlyList<(int After, string To)> Escalate);

    private const int AlertBatch = 500;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var flows = scope.ServiceProvider.GetRequiredService<FlowCatalog>();
        var now = clock.GetUtcNow();
        var defaults = new Policy(options.RemindWorkingDaysBefore, options.Escalations.Select(e => (e.AfterWorkingDays, e.To)).ToList());
        Policy PolicyOf(int flowVersionId) => flows.Find(flowVersionId)?.Definition.Alerts is { } own
            ? new Policy(own.RemindWorkingDaysBefore, own.Escalations.Select(e => (e.AfterWorkingDays, e.To)).ToList())
            : defaults;

        // Nothing can be due for a deadline further away than the earliest reminder of any flow; the margin covers holidays.
        var earliest = flows.Keys.SelectMany(flows.Versions).Select(v => v.Definition.Alerts?.RemindWorkingDaysBefore.DefaultIfEmpty(0).Max() ?? 0)
            .Append(options.RemindWorkingDaysBefore.DefaultIfEmpty(0).Max()).Max();
        var horizon = now + TimeSpan.FromDays((earliest * 2) + 14);

        var stages = await db.Cases.AsNoTracking()
            .Where(c => c.EndedAt == null && c.SuspendedAt == null && c.StageDeadline != null && c.StageDeadline <= horizon)
            .Select(c => new { c.Id, c.Stage, c.StageVisit, c.StageDeadline, c.FlowVersionId, c.TownshipId, c.CountyId, c.CityId, c.VillageId })
            .ToListAsync(cancellationToken);
        var items = await db.LedgerItems.AsNoTracking()
            .Where(i => i.Status != LedgerStatus.Closed && i.Deadline <= horizon && db.Cases.Any(c => c.Id == i.CaseId && c.EndedAt == null && c.SuspendedAt == null))
            .Join(db.Cases, i => i.CaseId, c => c.Id, (i, c) => new
            {
                i.Id,
                i.CaseId,
                i.Measure,
                i.Deadline,
                i.TownshipResponsible,
                i.VillageResponsible,
                c.TownshipId,
                c.CountyId,
                c.CityId,
                c.VillageId,
                c.FlowVersionId,
            })
            .ToListAsync(cancellationToken);
        var villageIds = stages.Select(s => s.VillageId).Concat(items.Select(i => i.VillageId)).Distinct().ToList();
        var villages = await db.OrgUnits.AsNoTracking().Where(o => villageIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);

        var subjects = stages.Select(s => new Subject($"case:{s.Id}:visit:{s.StageVisit}", s.Id, null,
                $"{villages[s.VillageId]}「{flows.Find(s.FlowVersionId)?.Definition.FindStage(s.Stage)?.Name ?? s.Stage}」阶段", s.StageDeadline!.Value,
                s.TownshipId, s.CountyId, s.CityId, s.FlowVersionId))
            .Concat(items.Select(i => new Subject($"item:{i.Id}", i.CaseId, i.Id,
                $"{villages[i.VillageId]}台账事项 #{i.Id}「{i.Measure}」（责任人：{i.TownshipResponsible}、{i.VillageResponsible}）", i.Deadline,
                i.TownshipId, i.CountyId, i.CityId, i.FlowVersionId)))
            .ToList();
        var due = subjects.SelectMany(s => DueAlerts(s, PolicyOf(s.FlowVersionId), now)).ToList();
        if (due.Count == 0)
        {
            return 0;
        }

        var keys = due.Select(a => a.DedupKey).ToList();
        var existing = (await db.Set<Alert>().Where(a => keys.Contains(a.DedupKey)).Select(a => a.DedupKey).ToListAsync(cancellationToken)).ToHashSet();
        var fresh = due.Where(a => !existing.Contains(a.DedupKey)).ToList();
        var countyIds = subjects.Select(s => s.County).Distinct().ToList();
        var countyCodes = await db.OrgUnits.AsNoTracking().Where(o => countyIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Code, cancellationToken);
        var countyOfCase = subjects.GroupBy(s => s.CaseId).ToDictionary(g => g.Key, g => g.First().County);
        void Add(Alert alert)
        {
            db.Add(alert);
            // In the same save as the alert: a channel that is down gets it later, never loses it.
            outbox.Enqueue(db, countyCodes[countyOfCase[alert.CaseId]], isDispatch: false, alert.DedupKey, alert.Kind switch
            {
                AlertKind.Reminder => "到期提醒",
                AlertKind.Overdue => "逾期",
                _ => "逾期上报",
            }, alert.Message, new
            {
                alert.DedupKey,
                kind = alert.Kind.ToString().ToLowerInvariant(),
                alert.Level,
                alert.CaseId,
                itemId = alert.LedgerItemId,
                dueAt = ShanghaiTime.ToLocal(alert.DueAt),
                raisedAt = ShanghaiTime.ToLocal(alert.RaisedAt),
                alert.Late,
                alert.Message,
            });
        }

        // Saved a few hundred at a time, each batch one transaction with its outbox messages: one commit per alert made
        // 10,000 simultaneous deadlines take minutes. A batch refused because another node raised one of its alerts
        // meanwhile is saved again alert by alert, so the unique key keeps each to once and the rest still go in.
        foreach (var batch in fresh.Chunk(AlertBatch))
        {
            foreach (var alert in batch)
            {
                Add(alert);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                foreach (var alert in batch)
                {
                    alert.Id = 0;
                    Add(alert);
                    try
                    {
                        await db.SaveChangesAsync(cancellationToken);
                    }
                    catch (DbUpdateException)
                    {
                        // Raised meanwhile by another node: the unique key kept it to once.
                    }

                    db.ChangeTracker.Clear();
                }
            }

            db.ChangeTracker.Clear();
        }

        if (fresh.Count > 0)
        {
            logger.LogInformation("Raised {Count} alerts ({Late} late)", fresh.Count, fresh.Count(a => a.Late));
        }

        return fresh.Count;
    }

    private IEnumerable<Alert> DueAlerts(Subject subject, Policy policy, DateTimeOffset now)
    {
        var deadlineDay = ShanghaiTime.DateOf(subject.Deadline);
        var dueAt = subject.Deadline;
        foreach (var days in policy.Remind.Distinct())
        {
            var fireAt = StartOfDay(DurationExpression.SubtractWorkingDays(deadlineDay, days, calendar));
            if (fireAt <= now && now <= dueAt)
            {
                yield return Make(subject, AlertKind.Reminder, days, fireAt, now, Roles.TownshipSecretary, subject.Township,
                    $"【到期提醒】{subject.What}将于 {ShanghaiTime.ToLocal(dueAt):yyyy-MM-dd} 到期，还有 {days} 个工作日。");
            }
        }

        if (now > dueAt)
        {
            yield return Make(subject, AlertKind.Overdue, 0, dueAt, now, Roles.TownshipSecretary, subject.Township,
                $"【逾期】{subject.What}已于 {ShanghaiTime.ToLocal(dueAt):yyyy-MM-dd} 到期未完成。");
        }

        for (var level = 1; level <= policy.Escalate.Count; level++)
        {
            var step = policy.Escalate[level - 1];
            var fireAt = ShanghaiTime.EndOfDay(DurationExpression.AddWorkingDays(deadlineDay, step.After, calendar));
            if (now > fireAt)
            {
                var (role, unit) = step.To == "city" ? ("*", subject.City) : (Roles.CountyAdmin, subject.County);
                yield return Make(subject, AlertKind.Escalation, level, fireAt, now, role, unit,
                    $"【逾期上报】{subject.What}已逾期超过 {step.After} 个工作日（{ShanghaiTime.ToLocal(dueAt):yyyy-MM-dd} 到期）。");
            }
        }
    }

    private Alert Make(Subject subject, AlertKind kind, int level, DateTimeOffset fireAt, DateTimeOffset now, string role, int unit, string message) => new()
    {
        CaseId = subject.CaseId,
        LedgerItemId = subject.ItemId,
        Kind = kind,
        Level = level,
        DueAt = subject.Deadline,
        FireAt = fireAt,
        RaisedAt = now,
        Late = now - fireAt > options.LateAfter,
        TargetRole = role,
        TargetOrgUnitId = unit,
        Message = message,
        DedupKey = $"{subject.Key}:{subject.Deadline.UtcTicks}:{kind}:{level}",
    };

    private static DateTimeOffset StartOfDay(DateOnly day) => ShanghaiTime.EndOfDay(day.AddDays(-1)).AddSeconds(1);
}
