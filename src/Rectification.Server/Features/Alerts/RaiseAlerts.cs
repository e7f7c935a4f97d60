using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Alerts;

/// <summary>Raises every reminder, overdue alert and escalation that has fallen due for open deadlines (case stages and
/// ledger items). Due times are computed from the deadlines in our tables, and each alert has a unique key, so a missed
/// sweep raises the alert later (marked late) and a repeated one raises nothing twice. Only deadlines whose
/// <see cref="AlertSchedule"/> time has come are read.</summary>
public sealed class RaiseAlerts(IServiceScopeFactory scopes, TimeProvider clock, IWorkingCalendar calendar, AlertOptions options, Channels.Outbox outbox,
    ILogger<RaiseAlerts> logger)
{
    /// <summary>A deadline alerts are raised for. <paramref name="Version"/> is the case's, for a stage; its value when read
    /// guards the new schedule against a change saved meanwhile.</summary>
    private sealed record Subject(string Key, int CaseId, int? ItemId, int Version, string What, DateTimeOffset Deadline, int Township, int County, int City,
        int FlowVersionId);

    /// <summary>Reminder days and escalation steps in force for one subject: its flow's own, else the defaults.</summary>
    private sealed record Policy(IReadOnlyList<int> Remind, IReadOnlyList<(int After, string To)> Escalate);

    private const int AlertBatch = 500;

    /// <summary>Deadlines read per round: bounds memory when a migration has marked every open deadline due at once.</summary>
    private const int Round = 5000;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        using (var scope = scopes.CreateScope())
        {
            // A case never reopens once ended, so its items left open can never fall due again.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.InWriteTurnAsync(() => db.LedgerItems.Where(i => i.NextAlertAt <= now && db.Cases.Any(c => c.Id == i.CaseId && c.EndedAt != null))
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.NextAlertAt, (DateTimeOffset?)null), cancellationToken), cancellationToken);
        }

        var raised = 0;
        var late = 0;
        bool more;
        do
        {
            (var fresh, more) = await RoundAsync(now, cancellationToken);
            raised += fresh.Count;
            late += fresh.Count(a => a.Late);
        }
        while (more);

        if (raised > 0)
        {
            logger.LogInformation("Raised {Count} alerts ({Late} late)", raised, late);
        }

        return raised;
    }

    /// <summary>One round: reads up to <see cref="Round"/> stages and items whose time has come, stores their due alerts,
    /// then moves each one's schedule on. Says whether more may be waiting.</summary>
    private async Task<(List<Alert> Fresh, bool More)> RoundAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var flows = scope.ServiceProvider.GetRequiredService<FlowCatalog>();
        var defaults = new Policy(options.RemindWorkingDaysBefore, options.Escalations.Select(e => (e.AfterWorkingDays, e.To)).ToList());
        Policy PolicyOf(int flowVersionId) => flows.Find(flowVersionId)?.Definition.Alerts is { } own
            ? new Policy(own.RemindWorkingDaysBefore, own.Escalations.Select(e => (e.AfterWorkingDays, e.To)).ToList())
            : defaults;

        var cases = await db.Cases.AsNoTracking()
            .Where(c => c.NextAlertAt <= now)
            .OrderBy(c => c.NextAlertAt)
            .Take(Round)
            .Select(c => new
            {
                c.Id,
                c.Version,
                c.Stage,
                c.StageVisit,
                c.StageDeadline,
                Open = c.EndedAt == null && c.SuspendedAt == null,
                c.FlowVersionId,
                c.TownshipId,
                c.CountyId,
                c.CityId,
                c.VillageId,
            })
            .ToListAsync(cancellationToken);
        var items = await db.LedgerItems.AsNoTracking()
            .Where(i => i.NextAlertAt <= now)
            .Join(db.Cases.Where(c => c.EndedAt == null && c.SuspendedAt == null), i => i.CaseId, c => c.Id, (i, c) => new
            {
                i.Id,
                i.CaseId,
                i.Measure,
                i.Deadline,
                i.NextAlertAt,
                i.TownshipResponsible,
                i.VillageResponsible,
                c.TownshipId,
                c.CountyId,
                c.CityId,
                c.VillageId,
                c.FlowVersionId,
            })
            .OrderBy(i => i.NextAlertAt)
            .Take(Round)
            .ToListAsync(cancellationToken);
        var more = cases.Count == Round || items.Count == Round;
        var openStages = cases.Where(c => c.Open && c.StageDeadline is not null).ToList();
        var villageIds = openStages.Select(s => s.VillageId).Concat(items.Select(i => i.VillageId)).Distinct().ToList();
        var villages = await db.OrgUnits.AsNoTracking().Where(o => villageIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);

        var subjects = openStages.Select(s => new Subject($"case:{s.Id}:visit:{s.StageVisit}", s.Id, null, s.Version,
                $"{villages[s.VillageId]}「{flows.Find(s.FlowVersionId)?.Definition.FindStage(s.Stage)?.Name ?? s.Stage}」阶段", s.StageDeadline!.Value,
                s.TownshipId, s.CountyId, s.CityId, s.FlowVersionId))
            .Concat(items.Select(i => new Subject($"item:{i.Id}", i.CaseId, i.Id, 0,
                $"{villages[i.VillageId]}台账事项 #{i.Id}「{i.Measure}」（责任人：{i.TownshipResponsible}、{i.VillageResponsible}）", i.Deadline,
                i.TownshipId, i.CountyId, i.CityId, i.FlowVersionId)))
            .ToList();
        var due = subjects.SelectMany(s => DueAlerts(s, PolicyOf(s.FlowVersionId), now)).ToList();
        var fresh = due.Count == 0 ? [] : await StoreAsync(db, subjects, due, cancellationToken);

        // After the alerts are stored: a crash in between leaves the schedule due, and the unique keys keep the retry to once.
        var schedule = subjects.Select(s => (s, NextCheck(s, PolicyOf(s.FlowVersionId), now)))
            .Concat(cases.Where(c => !(c.Open && c.StageDeadline is not null)).Select(c => (new Subject("", c.Id, null, c.Version, "", default, 0, 0, 0, 0), (DateTimeOffset?)null)))
            .ToList();
        await RescheduleAsync(db, schedule, cancellationToken);
        return (fresh, more);
    }

    private async Task<List<Alert>> StoreAsync(AppDbContext db, List<Subject> subjects, List<Alert> due, CancellationToken cancellationToken)
    {
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
                    catch (DbUpdateException raised) when (ProblemExceptionHandler.IsLostRace(raised))
                    {
                        // Raised meanwhile by another node: the unique key kept it to once. Any other failure stops the
                        // sweep before the schedule moves on, so the alert is raised by a later one, not lost.
                    }

                    db.ChangeTracker.Clear();
                }
            }

            db.ChangeTracker.Clear();
        }

        return fresh;
    }

    /// <summary>Moves each subject's schedule on in batches of single-row updates, a transaction each, taking turns with the
    /// actions' saves: one transaction for a whole round held the database for tens of milliseconds while actions waited.
    /// Each update holds only if what the schedule was computed from is unchanged (the case's version; the item's deadline
    /// and openness): a change saved meanwhile has already marked it due again, and that must stand. A batch left undone
    /// (a crash) stays due and is looked at again; the alerts' unique keys keep that to once. Rows are taken cases first,
    /// then items, each by id: the order EF Core's saves take them in (an action updates its case, then its item), so on
    /// PostgreSQL a batch and a save never each hold a row the other waits for (a deadlock: one of them refused).</summary>
    private static async Task RescheduleAsync(AppDbContext db, List<(Subject Subject, DateTimeOffset? Next)> schedule, CancellationToken cancellationToken)
    {
        static string Ticks(DateTimeOffset? at) => at is { } value ? value.UtcTicks.ToString(CultureInfo.InvariantCulture) : "NULL";

        foreach (var batch in schedule.OrderBy(s => s.Subject.ItemId is not null).ThenBy(s => s.Subject.ItemId ?? s.Subject.CaseId).Chunk(500))
        {
            var sql = new StringBuilder();
            foreach (var (subject, next) in batch)
            {
                // Only integers go into this text, formatted invariantly: nothing a user typed.
                if (subject.ItemId is { } item)
                {
                    sql.Append(CultureInfo.InvariantCulture,
                        $"UPDATE \"LedgerItems\" SET \"NextAlertAt\" = {Ticks(next)} WHERE \"Id\" = {item} AND \"Deadline\" = {Ticks(subject.Deadline)} AND \"Status\" <> 'Closed';\n");
                }
                else
                {
                    sql.Append(CultureInfo.InvariantCulture,
                        $"UPDATE \"Cases\" SET \"NextAlertAt\" = {Ticks(next)} WHERE \"Id\" = {subject.CaseId} AND \"Version\" = {subject.Version};\n");
                }
            }

            // One command of many statements: its own transaction, so a batch is all or nothing.
            await db.InWriteTurnAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await db.Database.ExecuteSqlRawAsync(sql.ToString(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }, cancellationToken);
        }
    }

    /// <summary>The first moment after <paramref name="now"/> at which one of the subject's alerts falls due, or null.</summary>
    private DateTimeOffset? NextCheck(Subject subject, Policy policy, DateTimeOffset now)
    {
        var deadlineDay = ShanghaiTime.DateOf(subject.Deadline);
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset at)
        {
            if (at > now && (next is null || at < next))
            {
                next = at;
            }
        }

        foreach (var days in policy.Remind)
        {
            var fireAt = ReminderAt(deadlineDay, days);
            if (fireAt <= subject.Deadline)
            {
                Consider(fireAt);
            }
        }

        // Overdue and escalations are raised once the moment is strictly past.
        Consider(subject.Deadline.AddTicks(1));
        foreach (var step in policy.Escalate)
        {
            Consider(EscalationAt(deadlineDay, step.After).AddTicks(1));
        }

        return next;
    }

    private DateTimeOffset ReminderAt(DateOnly deadlineDay, int workingDaysBefore) =>
        StartOfDay(DurationExpression.SubtractWorkingDays(deadlineDay, workingDaysBefore, calendar));

    private DateTimeOffset EscalationAt(DateOnly deadlineDay, int workingDaysAfter) =>
        ShanghaiTime.EndOfDay(DurationExpression.AddWorkingDays(deadlineDay, workingDaysAfter, calendar));

    private IEnumerable<Alert> DueAlerts(Subject subject, Policy policy, DateTimeOffset now)
    {
        var deadlineDay = ShanghaiTime.DateOf(subject.Deadline);
        var dueAt = subject.Deadline;
        foreach (var days in policy.Remind.Distinct())
        {
            var fireAt = ReminderAt(deadlineDay, days);
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
            var fireAt = EscalationAt(deadlineDay, step.After);
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
