using System.Globalization;
using Rectification.Workflow.Conditions;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Guards;

namespace Rectification.Workflow.Engine;

/// <summary>What the engine knows of a case when it decides: where it stands, what it has collected, and the
/// situations it was listed for (which conditional routes read).</summary>
public sealed record CaseState(
    string Stage,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlySet<string> SignedChecklistItems,
    IReadOnlySet<string> Situations,
    LedgerFacts? Ledger = null);

/// <summary>What a user sends with an action.</summary>
public sealed record ActionInput(string? Comment, IReadOnlyDictionary<string, string?> Fields)
{
    public static ActionInput Empty { get; } = new(null, new Dictionary<string, string?>());
}

/// <summary>A field value that changed with an action, for the history.</summary>
public sealed record FieldChange(string Key, string? Old, string? New);

/// <summary>The engine's answer to "may this user take this action now?".</summary>
public abstract record ActionDecision
{
    private ActionDecision()
    {
    }

    /// <summary>The action does not exist in the case's current stage.</summary>
    public sealed record NotAvailable(string Stage) : ActionDecision;

    /// <summary>None of the actor's roles may take the action.</summary>
    public sealed record Forbidden(IReadOnlyList<string> AllowedRoles) : ActionDecision;

    /// <summary>The request itself is malformed: unknown fields or values of the wrong type, by field.</summary>
    public sealed record InvalidInput(IReadOnlyDictionary<string, string[]> Errors) : ActionDecision;

    /// <summary>The action exists and the actor may take it, but guards are unmet.</summary>
    public sealed record Blocked(IReadOnlyList<UnmetCondition> Unmet) : ActionDecision;

    /// <summary>The action may proceed: the case moves to <see cref="To"/> with these field changes.</summary>
    public sealed record Allowed(ActionDefinition Action, StageDefinition To, IReadOnlyList<FieldChange> Changes) : ActionDecision;
}

/// <summary>The rules of moving a case through a flow. Pure: persistence, scope and time belong to the caller.</summary>
public static class FlowEngine
{
    /// <summary>The actions of the current stage that any of <paramref name="roles"/> may take.</summary>
    public static IReadOnlyList<ActionDefinition> ActionsFor(FlowDefinition flow, string stage, IReadOnlyCollection<string> roles) =>
        flow.FindStage(stage)?.Actions.Where(a => a.Roles.Any(roles.Contains)).ToList() ?? [];

    /// <summary>Guards of an action that are unmet now, before the user has typed anything.</summary>
    public static IReadOnlyList<UnmetCondition> Preview(FlowDefinition flow, CaseState state, ActionDefinition action) =>
        action.Guards
            .Where(g => g is not CommentRequiredGuard && !(g is FieldsGuard f && f.Required.All(k => action.Fields.Any(d => d.Key == k))))
            .SelectMany(g => g.Check(new GuardContext(flow.GetStage(state.Stage), state.Fields, state.SignedChecklistItems, null, state.Ledger)))
            .ToList();

    public static ActionDecision Decide(
        FlowDefinition flow,
        CaseState state,
        string actionKey,
        IReadOnlyCollection<string> actorRoles,
        ActionInput input)
    {
        var stage = flow.GetStage(state.Stage);
        var action = stage.FindAction(actionKey);
        if (action is null)
        {
            return new ActionDecision.NotAvailable(stage.Key);
        }

        if (!action.Roles.Any(actorRoles.Contains))
        {
            return new ActionDecision.Forbidden(action.Roles);
        }

        var errors = ValidateFields(action, input.Fields);
        if (errors.Count > 0)
        {
            return new ActionDecision.InvalidInput(errors);
        }

        var merged = new Dictionary<string, string>(state.Fields, StringComparer.Ordinal);
        var changes = new List<FieldChange>();
        foreach (var (key, raw) in input.Fields)
        {
            var value = string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
            state.Fields.TryGetValue(key, out var old);
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }

            if (!string.Equals(old, value, StringComparison.Ordinal))
            {
                changes.Add(new FieldChange(key, old, value));
            }
        }

        var context = new GuardContext(stage, merged, state.SignedChecklistItems, input.Comment, state.Ledger);
        var unmet = action.Guards.SelectMany(g => g.Check(context)).ToList();
        if (unmet.Count > 0)
        {
            return new ActionDecision.Blocked(unmet);
        }

        var target = action.TargetFor(new ConditionFacts(merged, state.Situations));
        return new ActionDecision.Allowed(action, flow.GetStage(target), changes);
    }

    private static Dictionary<string, string[]> ValidateFields(ActionDefinition action, IReadOnlyDictionary<string, string?> fields)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            var definition = action.Fields.FirstOrDefault(f => f.Key == key);
            if (definition is null)
            {
                var known = action.Fields.Count == 0 ? "none" : string.Join(", ", action.Fields.Select(f => f.Key));
                errors[$"fields.{key}"] = [$"Action '{action.Key}' takes no field '{key}' (it takes: {known})."];
                continue;
            }

            if (value is { Length: > 500 })
            {
                errors[$"fields.{key}"] = ["At most 500 characters."];
            }
            else if (!string.IsNullOrWhiteSpace(value) && !IsValid(definition.Type, value.Trim()))
            {
                errors[$"fields.{key}"] = [definition.Type == FieldType.Date ? "Expected a date as yyyy-MM-dd." : "Expected a number."];
            }
        }

        return errors;
    }

    private static bool IsValid(FieldType type, string value) => type switch
    {
        FieldType.Date => DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        FieldType.Number => decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _),
        _ => true,
    };
}
