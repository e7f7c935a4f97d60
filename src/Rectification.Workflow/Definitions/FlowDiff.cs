using Rectification.Workflow.Guards;

namespace Rectification.Workflow.Definitions;

/// <summary>The kinds of difference between two versions of a flow.</summary>
public enum ChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One difference between two versions of a flow, e.g. <c>changed stages[planning].deadline: 15 working days → 20 working days</c>.</summary>
public sealed record FlowChange(ChangeKind Kind, string Path, string? Before, string? After)
{
    public override string ToString() => Kind switch
    {
        ChangeKind.Added => $"added {Path}: {After}",
        ChangeKind.Removed => $"removed {Path}: {Before}",
        _ => $"changed {Path}: {Before} → {After}",
    };
}

/// <summary>Compares two versions of a flow element by element: stages, actions, deadlines, checklists, timers.</summary>
public static class FlowDiff
{
    public static IReadOnlyList<FlowChange> Compare(FlowDefinition? before, FlowDefinition after)
    {
        var changes = new List<FlowChange>();
        if (before is null)
        {
            changes.AddRange(after.Stages.Select(s => new FlowChange(ChangeKind.Added, $"stages[{s.Key}]", null, Describe(s))));
            return changes;
        }

        Property(changes, "name", before.Name, after.Name);
        Property(changes, "start", before.Start, after.Start);
        Elements(changes, "stages", before.Stages, after.Stages, s => s.Key, Describe, (path, old, @new) =>
        {
            Property(changes, path + ".name", old.Name, @new.Name);
            Property(changes, path + ".roles", string.Join(", ", old.Roles), string.Join(", ", @new.Roles));
            Property(changes, path + ".terminal", old.Terminal.ToString(), @new.Terminal.ToString());
            Property(changes, path + ".deadline", old.Deadline?.ToString() ?? "none", @new.Deadline?.ToString() ?? "none");
            Elements(changes, path + ".actions", old.Actions, @new.Actions, a => a.Key, Describe, (actionPath, oldAction, newAction) =>
            {
                Property(changes, actionPath + ".name", oldAction.Name, newAction.Name);
                Property(changes, actionPath + ".roles", string.Join(", ", oldAction.Roles), string.Join(", ", newAction.Roles));
                Property(changes, actionPath + ".to", Target(oldAction), Target(newAction));
                Property(changes, actionPath + ".fields", string.Join(", ", oldAction.Fields.Select(f => $"{f.Key}:{f.Type}:{f.Name}")),
                    string.Join(", ", newAction.Fields.Select(f => $"{f.Key}:{f.Type}:{f.Name}")));
                Property(changes, actionPath + ".guards", string.Join("; ", oldAction.Guards.Select(Describe)), string.Join("; ", newAction.Guards.Select(Describe)));
                Property(changes, actionPath + ".effects", string.Join(", ", oldAction.Effects), string.Join(", ", newAction.Effects));
            });
            Elements(changes, path + ".checklist", old.Checklist, @new.Checklist, c => c.Key, c => $"{c.Name} ({c.Role})", (itemPath, oldItem, newItem) =>
            {
                Property(changes, itemPath + ".name", oldItem.Name, newItem.Name);
                Property(changes, itemPath + ".role", oldItem.Role, newItem.Role);
            });
            Elements(changes, path + ".timers", old.Timers, @new.Timers, t => t.Key, t => $"{t.Name}: after {t.After} → {t.To}", (timerPath, oldTimer, newTimer) =>
            {
                Property(changes, timerPath + ".name", oldTimer.Name, newTimer.Name);
                Property(changes, timerPath + ".after", oldTimer.After.ToString(), newTimer.After.ToString());
                Property(changes, timerPath + ".to", oldTimer.To, newTimer.To);
            });
        });
        return changes;
    }

    public static string Describe(Guard guard) => guard switch
    {
        FieldsGuard f => $"fields: [{string.Join(", ", f.Required)}]",
        ChecklistCompleteGuard => "checklist: complete",
        CommentRequiredGuard => "comment: required",
        PlanCompleteGuard => "plan: complete",
        LedgerClosedGuard => "ledger: closed",
        AcceptancePassedGuard => "acceptance: passed",
        _ => guard.Kind,
    };

    private static string Describe(StageDefinition stage) =>
        $"{stage.Name}{(stage.Deadline is null ? "" : $", deadline {stage.Deadline}")}, actions [{string.Join(", ", stage.Actions.Select(a => a.Key))}]";

    private static string Describe(ActionDefinition action) => $"{action.Name} ({string.Join(", ", action.Roles)}) → {Target(action)}";

    private static string Target(ActionDefinition action) =>
        action.Routes.Count == 0 ? action.To : string.Join("; ", action.Routes.Select(r => $"if {r.ConditionText} then {r.To}").Append($"else {action.To}"));

    private static void Property(List<FlowChange> changes, string path, string before, string after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            changes.Add(new FlowChange(ChangeKind.Changed, path, before, after));
        }
    }

    private static void Elements<T>(List<FlowChange> changes, string path, IReadOnlyList<T> before, IReadOnlyList<T> after, Func<T, string> key,
        Func<T, string> describe, Action<string, T, T> compare)
    {
        var old = before.ToDictionary(key, StringComparer.Ordinal);
        var @new = after.ToDictionary(key, StringComparer.Ordinal);
        foreach (var item in before.Where(i => !@new.ContainsKey(key(i))))
        {
            changes.Add(new FlowChange(ChangeKind.Removed, $"{path}[{key(item)}]", describe(item), null));
        }

        foreach (var item in after)
        {
            var itemPath = $"{path}[{key(item)}]";
            if (old.TryGetValue(key(item), out var previous))
            {
                compare(itemPath, previous, item);
            }
            else
            {
                changes.Add(new FlowChange(ChangeKind.Added, itemPath, null, describe(item)));
            }
        }
    }
}
