using Rectification.Workflow.Conditions;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Workflow.Definitions;

/// <summary>Where a definition element was written, for messages that point back into the file.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition None => default;

    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>A parsed, validated flow: the stages a case moves through and the actions that move it.</summary>
public sealed record FlowDefinition(
    string Key,
    string Name,
    string Start,
    IReadOnlyList<StageDefinition> Stages)
{
    private (IReadOnlyList<StageDefinition> Stages, Dictionary<string, StageDefinition> ByKey)? _index;

    /// <summary>The flow's own reminder and escalation settings; null to use the service's defaults.</summary>
    public AlertPolicy? Alerts { get; init; }

    public StageDefinition? FindStage(string? key)
    {
        if (key is null)
        {
            return null;
        }

        // Rebuilt when a copy made with `with` has other stages than the ones indexed.
        var index = _index;
        if (index is null || !ReferenceEquals(index.Value.Stages, Stages))
        {
            index = (Stages, Stages.GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
            _index = index;
        }

        return index.Value.ByKey.GetValueOrDefault(key);
    }

    public StageDefinition GetStage(string key) =>
        FindStage(key) ?? throw new KeyNotFoundException($"Flow '{Key}' has no stage '{key}'.");

    /// <summary>Every field any action of the flow collects, by key.</summary>
    public IReadOnlyDictionary<string, FieldDefinition> Fields =>
        Stages.SelectMany(s => s.Actions).SelectMany(a => a.Fields)
            .GroupBy(f => f.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
}

/// <summary>One stage of a flow.</summary>
public sealed record StageDefinition(
    string Key,
    string Name,
    IReadOnlyList<string> Roles,
    bool Terminal,
    DurationExpression? Deadline,
    IReadOnlyList<ActionDefinition> Actions,
    IReadOnlyList<ChecklistItemDefinition> Checklist,
    IReadOnlyList<TimerDefinition> Timers,
    SourcePosition Position)
{
    public ActionDefinition? FindAction(string key) => Actions.FirstOrDefault(a => a.Key == key);
}

/// <summary>An action a user takes in a stage. When its guards hold the case moves to the target of the first route
/// whose condition holds, or to <see cref="To"/> when none does (or there are no routes).</summary>
public sealed record ActionDefinition(
    string Key,
    string Name,
    IReadOnlyList<string> Roles,
    string To,
    IReadOnlyList<FieldDefinition> Fields,
    IReadOnlyList<Guard> Guards,
    SourcePosition Position,
    IReadOnlyList<Route> Routes,
    SourcePosition ToPosition = default)
{
    /// <summary>What the service does besides moving the case, from <see cref="ActionEffects"/>.</summary>
    public IReadOnlyList<string> Effects { get; init; } = [];

    /// <summary>Every stage the action may lead to: the routes' targets, then the fallback.</summary>
    public IEnumerable<string> Targets => Routes.Select(r => r.To).Append(To);

    /// <summary>Where the action leads for a case with these facts.</summary>
    public string TargetFor(ConditionFacts facts) => Routes.FirstOrDefault(r => r.Condition.Evaluate(facts))?.To ?? To;
}

/// <summary>A conditional target of an action: <c>- if: situations contains 6</c> / <c>then: crackdown</c>.
/// <see cref="Position"/> is where the entry starts; <see cref="ThenPosition"/> where its target is written.</summary>
public sealed record Route(Condition Condition, string ConditionText, string To, SourcePosition Position, SourcePosition ThenPosition = default);

/// <summary>The kinds of value a case field holds.</summary>
public enum FieldType
{
    Text,
    Date,
    Number,
}

/// <summary>A typed value an action collects and the case keeps (e.g. the county leader of 包保).</summary>
public sealed record FieldDefinition(string Key, string Name, FieldType Type, SourcePosition Position);

/// <summary>A checklist item of a stage, signed by one role.</summary>
public sealed record ChecklistItemDefinition(string Key, string Name, string Role, SourcePosition Position);

/// <summary>A transition taken by the system when a stage has lasted <see cref="After"/>.</summary>
public sealed record TimerDefinition(string Key, string Name, DurationExpression After, string To, SourcePosition Position);

/// <summary>The effects an action may have besides moving the case; the service carries them out in the same transaction.</summary>
public static class ActionEffects
{
    /// <summary>The plan is handed in for review.</summary>
    public const string PlanSubmitted = "plan-submitted";

    /// <summary>The plan is approved: every measure becomes a ledger item.</summary>
    public const string PlanApproved = "plan-approved";

    /// <summary>The plan goes back to the township with the county's comments.</summary>
    public const string PlanReturned = "plan-returned";

    public static IReadOnlyList<string> All { get; } = [PlanSubmitted, PlanApproved, PlanReturned];
}

/// <summary>When a flow's deadlines raise reminders (working days before) and escalations (working days overdue, and to
/// whom: the county or the city).</summary>
public sealed record AlertPolicy(IReadOnlyList<int> RemindWorkingDaysBefore, IReadOnlyList<(int AfterWorkingDays, string To)> Escalations);
