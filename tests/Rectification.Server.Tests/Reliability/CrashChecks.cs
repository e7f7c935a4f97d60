using System.Globalization;
using System.Text.RegularExpressions;
using Rectification.Workflow.Time;

namespace Rectification.Server.Tests.Reliability;

/// <summary>The invariants checked after every restart. Each returns what it found wrong, in words, so one failure
/// lists everything at once.</summary>
public static partial class CrashChecks
{
    /// <summary>The default flow's stages after plan approval: the plan stays approved and its measures are items.</summary>
    private static readonly HashSet<string> Approved = ["rectifying", "reviewing", "accepting", "converted", "closed"];

    /// <summary>History kinds that enter a stage (and count a visit); the others record a change within it.</summary>
    private static readonly HashSet<string> Entering = ["propose", "action", "timer", "migration"];

    /// <summary>The default escalation chain (config/appsettings.json; the default flow has no alerts: section of its own).</summary>
    private static readonly (int Level, int AfterWorkingDays)[] Escalations = [(1, 3), (2, 10)];

    /// <summary>History and the rows it describes agree: no case is half-moved. Per case: history numbered 1..Version
    /// without gaps, each entry starting where the one before ended and the last ending in the case's stage; the stage
    /// visit count, end, open year and suspension match the history; the plan's status is what its history says and
    /// fits the stage, approved plans' measures are items and feedback forms' problems are items; signatures and fired
    /// timers each have their entry and no timer waits for a stage the case has left. Per item: its history replays
    /// as allowed moves (report open, tick reported, reopen reported or closed) to its status and reopen count.</summary>
    public static List<string> Consistency(CrashSnapshot s)
    {
        var wrong = new List<string>();
        var itemsByCase = s.Items.ToLookup(i => i.CaseId);
        var timersByCase = s.Timers.ToLookup(t => t.CaseId);
        foreach (var c in s.Cases)
        {
            var history = s.History[c.Id].ToList();
            var what = $"case {c.Id} ({c.Stage}, v{c.Version})";
            if (!history.Select(e => e.Seq).SequenceEqual(Enumerable.Range(1, c.Version)))
            {
                wrong.Add($"{what}: history numbered [{string.Join(",", history.Select(e => e.Seq))}], not 1..{c.Version}");
                continue;
            }

            if (history[0].Kind != "propose" || history[0].From is not null)
            {
                wrong.Add($"{what}: history starts with {history[0].Kind}");
            }

            for (var k = 1; k < history.Count; k++)
            {
                if (history[k].From != history[k - 1].To)
                {
                    wrong.Add($"{what}: entry {history[k].Seq} starts in {history[k].From} but {history[k - 1].Seq} ended in {history[k - 1].To}");
                }
            }

            if (history[^1].To != c.Stage)
            {
                wrong.Add($"{what}: history ends in {history[^1].To}");
            }

            if (history.Count(e => Entering.Contains(e.Kind)) != c.StageVisit)
            {
                wrong.Add($"{what}: stage visit {c.StageVisit} but {history.Count(e => Entering.Contains(e.Kind))} entries enter a stage");
            }

            var terminal = c.Stage is "closed" or "dismissed";
            if (terminal != (c.EndedAt is not null) || terminal != (c.OpenYear is null))
            {
                wrong.Add($"{what}: ended {c.EndedAt is not null}, open year {c.OpenYear}");
            }

            var suspended = history.LastOrDefault(e => e.Kind == "suspension")?.Action == "suspend";
            if (suspended != (c.SuspendedAt is not null))
            {
                wrong.Add($"{what}: suspended {c.SuspendedAt is not null} but history says {suspended}");
            }

            CheckPlan(s, c, history, itemsByCase[c.Id].ToList(), what, wrong);
            if (s.Signatures.GetValueOrDefault(c.Id) != history.Count(e => e.Kind == "sign"))
            {
                wrong.Add($"{what}: {s.Signatures.GetValueOrDefault(c.Id)} signatures, {history.Count(e => e.Kind == "sign")} sign entries");
            }

            var timers = timersByCase[c.Id].ToList();
            if (timers.Count(t => t.FiredAt is not null) != history.Count(e => e.Kind == "timer"))
            {
                wrong.Add($"{what}: {timers.Count(t => t.FiredAt is not null)} timers fired, {history.Count(e => e.Kind == "timer")} timer entries");
            }

            if (timers.Any(t => t.FiredAt is null && t.CancelledAt is null && (t.Stage != c.Stage || t.StageVisit != c.StageVisit)))
            {
                wrong.Add($"{what}: a timer still waits for a stage the case has left");
            }

            if (c.Stage == "converted" && timers.Count(t => t.StageVisit == c.StageVisit && t.CancelledAt is null) != 1)
            {
                wrong.Add($"{what}: converted without its follow-up timer");
            }

            CheckItems(history, itemsByCase[c.Id], what, wrong);
        }

        return wrong;
    }

    private static void CheckPlan(CrashSnapshot s, CrashSnapshot.CaseRow c, List<CrashSnapshot.EventRow> history, List<CrashSnapshot.ItemRow> items,
        string what, List<string> wrong)
    {
        var replayed = "none";
        foreach (var e in history)
        {
            replayed = (e.Kind, e.Action) switch
            {
                ("plan", _) => replayed == "Returned" ? "Returned" : "Draft",
                ("action", "submit-plan") => "Submitted",
                ("action", "approve-plan") => "Approved",
                ("action", "return-plan") => "Returned",
                _ => replayed,
            };
        }

        var plan = s.Plans.GetValueOrDefault(c.Id);
        if ((plan?.Status ?? "none") != replayed)
        {
            wrong.Add($"{what}: plan {plan?.Status ?? "none"} but its history says {replayed}");
        }

        var fits = c.Stage switch
        {
            "planning" => replayed is "none" or "Draft" or "Returned",
            "plan-review" => replayed == "Submitted",
            _ when Approved.Contains(c.Stage) => replayed == "Approved",
            _ => replayed == "none",
        };
        if (!fits)
        {
            wrong.Add($"{what}: plan {replayed} in this stage");
        }

        var measures = items.Count(i => i.Source == "Measure");
        if (measures != (replayed == "Approved" ? plan?.Measures ?? 0 : 0))
        {
            wrong.Add($"{what}: {measures} measure items, plan {replayed} with {plan?.Measures ?? 0} measures");
        }

        var reported = history.Where(e => e.Kind == "ledger" && e.Action == "feedback").Sum(e => int.Parse(ProblemCount().Match(e.Comment!).Groups[1].Value, CultureInfo.InvariantCulture));
        if (items.Count(i => i.Source == "Feedback") != reported)
        {
            wrong.Add($"{what}: {items.Count(i => i.Source == "Feedback")} feedback items, the feedback forms in its history list {reported} problems");
        }
    }

    private static void CheckItems(List<CrashSnapshot.EventRow> history, IEnumerable<CrashSnapshot.ItemRow> items, string what, List<string> wrong)
    {
        var changes = history.Where(e => e.Kind == "ledger" && e.Action is "report" or "tick" or "reopen")
            .ToLookup(e => int.Parse(ItemOf().Match(e.Comment ?? "").Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var item in items)
        {
            var (status, reopens) = ("Open", 0);
            foreach (var e in changes[item.Id])
            {
                var allowed = (e.Action, status) is ("report", "Open") or ("tick", "Reported") or ("reopen", "Reported" or "Closed");
                if (!allowed)
                {
                    wrong.Add($"{what}: item {item.Id} had '{e.Action}' recorded at v{e.Seq} while {status}");
                }

                (status, reopens) = e.Action switch
                {
                    "report" => ("Reported", reopens),
                    "tick" => ("Closed", reopens),
                    _ => ("Open", reopens + 1),
                };
            }

            if (item.Status != status || item.ReopenCount != reopens)
            {
                wrong.Add($"{what}: item {item.Id} is {item.Status} reopened {item.ReopenCount} times; its history says {status}, {reopens}");
            }

            if ((item.Status == "Closed") != (item.ClosedAt is not null) || (item.Status == "Closed") != (item.Method is not null))
            {
                wrong.Add($"{what}: item {item.Id} is {item.Status} with closed-at {item.ClosedAt}, method {item.Method}");
            }
        }
    }

    /// <summary>Every acknowledged change is in the history exactly once, as answered (same case, action, version and
    /// stage); a refused one left nothing; one the kill cut off left at most one whole entry; nothing else appeared.
    /// Plan and acceptance saves, whose entries keep no text of the request, are counted per case instead.</summary>
    public static List<string> Durability(CrashSnapshot s, IReadOnlyCollection<Op> journal, IReadOnlyDictionary<(int Case, string Kind), int> baseline)
    {
        var wrong = new List<string>();
        var found = s.History.SelectMany(g => g).Where(e => e.Comment is not null)
            .SelectMany(e => Token().Matches(e.Comment!).Select(m => (Token: m.Value, Entry: e)))
            .ToLookup(x => x.Token, x => x.Entry);
        var items = s.Items.ToDictionary(i => i.Id);
        foreach (var op in journal.Where(o => o.Token is not null))
        {
            var entries = found[op.Token!].ToList();
            var what = $"{op.Outcome} {op.Kind}/{op.Action} {op.Token} (round {op.Round}, case {op.CaseId}{(op.ItemId is { } i ? $", item {i}" : "")}, HTTP {op.Status})";
            switch (op.Outcome)
            {
                case Outcome.Acknowledged when entries.Count != 1:
                    wrong.Add($"{what}: {entries.Count} history entries");
                    continue;
                case Outcome.Refused when entries.Count != 0:
                case Outcome.Unknown when entries.Count > 1:
                    wrong.Add($"{what}: {entries.Count} history entries");
                    continue;
                case Outcome.Acknowledged:
                    break;
                default:
                    continue;
            }

            var e = entries[0];
            var matches = e.Kind == op.Kind && (op.Kind == "propose" ? e.Seq == 1 : e.Action == op.Action)
                && (op.CaseId is null || e.CaseId == op.CaseId)
                && (op.Version is null || e.Seq == op.Version)
                && (op.Stage is null || e.To == op.Stage)
                && (op.ItemId is null || e.Comment!.StartsWith($"#{op.ItemId} ", StringComparison.Ordinal));
            if (!matches)
            {
                wrong.Add($"{what}: recorded as case {e.CaseId} v{e.Seq} {e.Kind}/{e.Action} to {e.To}, answered as v{op.Version} to {op.Stage}");
            }

            foreach (var id in op.Items ?? [])
            {
                if (!items.TryGetValue(id, out var item) || item.CaseId != op.CaseId || item.Source != "Feedback")
                {
                    wrong.Add($"{what}: item {id} it created is missing");
                }
            }
        }

        var journalled = journal.Where(o => o.Token is not null).Select(o => o.Token!).ToHashSet();
        foreach (var phantom in found.Where(g => !journalled.Contains(g.Key)))
        {
            wrong.Add($"history has {phantom.Key}, which no request of the harness sent");
        }

        foreach (var group in journal.Where(o => o.Token is null && o.CaseId is not null).GroupBy(o => (Case: o.CaseId!.Value, o.Kind)))
        {
            var acknowledged = group.Count(o => o.Outcome == Outcome.Acknowledged);
            var unknown = group.Count(o => o.Outcome == Outcome.Unknown);
            var recorded = s.History[group.Key.Case].Count(e => e.Kind == group.Key.Kind) - baseline.GetValueOrDefault(group.Key);
            if (recorded < acknowledged || recorded > acknowledged + unknown)
            {
                wrong.Add($"case {group.Key.Case}: {recorded} {group.Key.Kind} entries for {acknowledged} acknowledged and {unknown} cut-off saves");
            }
        }

        return wrong;
    }

    /// <summary>No alert is doubled (by its unique key, nor by what its reader sees: subject, kind, level, deadline,
    /// addressee, text) and each has exactly one outbox message, delivered and received; at <paramref name="at"/>, after
    /// the scheduler caught up, every open deadline that has passed has its overdue alert and every escalation step
    /// passed has its escalation; each county's dispatch of the week is there once.</summary>
    public static List<string> Alerts(CrashSnapshot s, DateTimeOffset at, IWorkingCalendar calendar, IReadOnlyCollection<string> received)
    {
        var wrong = new List<string>();
        foreach (var doubled in s.Alerts.GroupBy(a => a.DedupKey).Where(g => g.Count() > 1))
        {
            wrong.Add($"alert {doubled.Key} stored {doubled.Count()} times");
        }

        foreach (var doubled in s.Alerts.GroupBy(a => (a.CaseId, a.ItemId, a.Kind, a.Level, a.DueAt, a.Role, a.Unit, a.Message)).Where(g => g.Count() > 1))
        {
            wrong.Add($"alert raised {doubled.Count()} times: {string.Join(", ", doubled.Select(a => a.DedupKey))}");
        }

        var messages = s.Outbox.ToLookup(m => m.DedupKey);
        var receivedKeys = received.ToHashSet();
        foreach (var alert in s.Alerts)
        {
            var queued = messages[alert.DedupKey].ToList();
            if (queued.Count != 1)
            {
                wrong.Add($"alert {alert.DedupKey} has {queued.Count} outbox messages");
            }
            else if (queued[0].DeliveredAt is null || !receivedKeys.Contains(alert.DedupKey))
            {
                wrong.Add($"alert {alert.DedupKey} never reached the channel");
            }
        }

        var dispatchKeys = s.Dispatches.Select(d => $"dispatch:{d.CountyId}:{d.WeekOf:yyyy-MM-dd}").ToHashSet();
        var alertKeys = s.Alerts.Select(a => a.DedupKey).ToHashSet();
        foreach (var orphan in s.Outbox.Where(m => !alertKeys.Contains(m.DedupKey) && !dispatchKeys.Contains(m.DedupKey)))
        {
            wrong.Add($"outbox message {orphan.DedupKey} has no alert or dispatch behind it");
        }

        foreach (var doubled in s.Dispatches.GroupBy(d => d).Where(g => g.Count() > 1))
        {
            wrong.Add($"dispatch of county {doubled.Key.CountyId} for {doubled.Key.WeekOf} stored {doubled.Count()} times");
        }

        var week = WeekOf(at);
        foreach (var county in s.CountyOfCase.Values.Distinct().Where(county => !s.Dispatches.Contains(new(county, week))))
        {
            wrong.Add($"no dispatch of county {county} for the week of {week}");
        }

        var raised = s.Alerts.ToLookup(a => (a.CaseId, a.ItemId, a.Kind, a.Level, a.DueAt));
        void Expect(int caseId, int? itemId, long deadlineTicks, string what)
        {
            var deadline = new DateTimeOffset(deadlineTicks, TimeSpan.Zero);
            if (at > deadline && !raised[(caseId, itemId, "Overdue", 0, deadlineTicks)].Any())
            {
                wrong.Add($"{what}: no overdue alert for {ShanghaiTime.ToLocal(deadline):yyyy-MM-dd}");
            }

            foreach (var (level, after) in Escalations)
            {
                var fireAt = ShanghaiTime.EndOfDay(DurationExpression.AddWorkingDays(ShanghaiTime.DateOf(deadline), after, calendar));
                if (at > fireAt && !raised[(caseId, itemId, "Escalation", level, deadlineTicks)].Any())
                {
                    wrong.Add($"{what}: no escalation {level} for {ShanghaiTime.ToLocal(deadline):yyyy-MM-dd}");
                }
            }
        }

        var open = s.Cases.Where(c => c.EndedAt is null && c.SuspendedAt is null).ToDictionary(c => c.Id);
        foreach (var c in open.Values.Where(c => c.StageDeadline is not null))
        {
            Expect(c.Id, null, c.StageDeadline!.Value, $"case {c.Id} ({c.Stage})");
        }

        foreach (var item in s.Items.Where(i => i.Status != "Closed" && open.ContainsKey(i.CaseId)))
        {
            Expect(item.CaseId, item.Id, item.Deadline, $"item {item.Id} ({item.Status})");
        }

        return wrong;
    }

    /// <summary>The Monday of the dispatch week <paramref name="at"/> falls in: dispatches are made Mondays at 08:30.</summary>
    public static DateOnly WeekOf(DateTimeOffset at)
    {
        var local = ShanghaiTime.ToLocal(at);
        var today = DateOnly.FromDateTime(local.DateTime);
        var monday = today.AddDays(-(((int)today.DayOfWeek - (int)DayOfWeek.Monday + 7) % 7));
        return monday == today && local.TimeOfDay < new TimeSpan(8, 30, 0) ? monday.AddDays(-7) : monday;
    }

    [GeneratedRegex(@"\[crash r\d+-w\d+-\d+\]")]
    private static partial Regex Token();

    [GeneratedRegex(@"^#(\d+) ")]
    private static partial Regex ItemOf();

    [GeneratedRegex(@"，(\d+) 个问题$")]
    private static partial Regex ProblemCount();
}
