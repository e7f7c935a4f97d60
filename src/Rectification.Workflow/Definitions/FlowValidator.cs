using Rectification.Workflow.Conditions;
using Rectification.Workflow.Guards;

namespace Rectification.Workflow.Definitions;

/// <summary>Checks a structurally sound definition for mistakes that only show across elements:
/// dangling targets, duplicates, unreachable stages and dead ends.</summary>
public static class FlowValidator
{
    /// <param name="source">The file or draft name, for the diagnostics.</param>
    /// <param name="flow">The definition as far as it could be read.</param>
    /// <param name="droppedStages">Stages written in the file but not readable; already reported, so not "missing" again.</param>
    public static IReadOnlyList<FlowDiagnostic> Validate(string source, FlowDefinition flow, IReadOnlySet<string>? droppedStages = null)
    {
        droppedStages ??= new HashSet<string>();
        var found = new List<FlowDiagnostic>();
        void Error(SourcePosition at, string field, string en, string zh) =>
            found.Add(new FlowDiagnostic(source, at.Line, at.Column, field, en, zh));
        void Warn(SourcePosition at, string field, string en, string zh) =>
            found.Add(new FlowDiagnostic(source, at.Line, at.Column, field, en, zh, DiagnosticSeverity.Warning));

        foreach (var duplicate in flow.Stages.GroupBy(s => s.Key).Where(g => g.Count() > 1))
        {
            foreach (var stage in duplicate.Skip(1))
            {
                Error(stage.Position, $"stages[{stage.Key}].key", $"Stage key '{stage.Key}' is used twice.", $"阶段键“{stage.Key}”重复。");
            }
        }

        var stageKeys = flow.Stages.Select(s => s.Key).Concat(droppedStages).ToHashSet(StringComparer.Ordinal);
        var declaredFields = flow.Fields;
        if (flow.FindStage(flow.Start) is not { } start)
        {
            if (!droppedStages.Contains(flow.Start))
            {
                Error(new SourcePosition(1, 1), "start", $"The start stage '{flow.Start}' does not exist.", $"起始阶段“{flow.Start}”不存在。");
            }
        }
        else if (start.Terminal)
        {
            Error(start.Position, "start", "The start stage cannot be terminal.", "起始阶段不能是终止阶段。");
        }

        foreach (var stage in flow.Stages)
        {
            var path = $"stages[{stage.Key}]";
            CheckDuplicates(stage.Actions.Select(a => (a.Key, a.Position)), path + ".actions", "action", "动作", Error);
            CheckDuplicates(stage.Checklist.Select(c => (c.Key, c.Position)), path + ".checklist", "checklist item", "清单项", Error);
            CheckDuplicates(stage.Timers.Select(t => (t.Key, t.Position)), path + ".timers", "timer", "定时器", Error);

            if (stage.Terminal && (stage.Actions.Count > 0 || stage.Timers.Count > 0))
            {
                Error(stage.Position, path, "A terminal stage has no actions or timers.", "终止阶段不能有动作或定时器。");
            }

            if (!stage.Terminal && stage.Actions.Count == 0 && stage.Timers.Count == 0)
            {
                Error(stage.Position, path, $"Stage '{stage.Key}' has no way out: add an action or a timer, or mark it terminal: true.",
                    $"阶段“{stage.Key}”没有出口：请添加动作或定时器，或标记为 terminal: true。");
            }

            foreach (var action in stage.Actions)
            {
                var actionPath = $"{path}.actions[{action.Key}]";
                if (!stageKeys.Contains(action.To))
                {
                    Error(action.ToPosition == default ? action.Position : action.ToPosition, actionPath + ".to",
                        $"Action '{action.Key}' leads to stage '{action.To}', which does not exist.",
                        $"动作“{action.Key}”指向不存在的阶段“{action.To}”。");
                }

                for (var i = 0; i < action.Routes.Count; i++)
                {
                    var route = action.Routes[i];
                    if (!stageKeys.Contains(route.To))
                    {
                        Error(route.ThenPosition, $"{actionPath}.to[{i}].then", $"Action '{action.Key}' leads to stage '{route.To}', which does not exist.",
                            $"动作“{action.Key}”指向不存在的阶段“{route.To}”。");
                    }

                    foreach (var name in route.Condition.Names.Distinct().Where(n => n != ConditionFacts.SituationsName && !declaredFields.ContainsKey(n)))
                    {
                        Error(route.Position, $"{actionPath}.to[{i}].if", $"The condition reads '{name}', which is neither 'situations' nor a field any action collects.",
                            $"条件引用的“{name}”既不是 situations，也不是任何动作收集的字段。");
                    }
                }

                CheckDuplicates(action.Fields.Select(f => (f.Key, f.Position)), actionPath + ".fields", "field", "字段", Error);
                for (var i = 0; i < action.Guards.Count; i++)
                {
                    CheckGuard(action.Guards[i], stage, $"{actionPath}.guards[{i}]", declaredFields, Error, Warn);
                }

                if (stage.Roles.Count > 0)
                {
                    foreach (var role in action.Roles.Where(r => !stage.Roles.Contains(r)))
                    {
                        Error(action.Position, actionPath + ".roles", $"Role '{role}' takes this action but is not an acting role of stage '{stage.Key}'.",
                            $"角色“{role}”可执行此动作，但不是阶段“{stage.Key}”的办理角色。");
                    }
                }
            }

            foreach (var item in stage.Checklist.Where(i => stage.Roles.Count > 0 && !stage.Roles.Contains(i.Role)))
            {
                Error(item.Position, $"{path}.checklist[{item.Key}].role", $"Role '{item.Role}' signs this item but is not an acting role of stage '{stage.Key}'.",
                    $"角色“{item.Role}”负责签署此清单项，但不是阶段“{stage.Key}”的办理角色。");
            }

            foreach (var timer in stage.Timers.Where(t => !stageKeys.Contains(t.To)))
            {
                Error(timer.Position, $"{path}.timers[{timer.Key}].to", $"Timer '{timer.Key}' leads to stage '{timer.To}', which does not exist.",
                    $"定时器“{timer.Key}”指向不存在的阶段“{timer.To}”。");
            }
        }

        foreach (var loop in Loops(flow).Where(l => l.All(s => s.Deadline is null && s.Timers.Count == 0))
                     .Select(l => l.OrderBy(s => s.Position.Line).ToList()).OrderBy(l => l[0].Position.Line))
        {
            var first = loop[0];
            Warn(first.Position, $"stages[{first.Key}]",
                $"Stages {string.Join(" → ", loop.Select(s => s.Key))} form a loop with no deadline: a case could circle there unnoticed.",
                $"阶段 {string.Join(" → ", loop.Select(s => s.Key))} 构成没有期限的循环，案件可能在其中反复而无人察觉。");
        }

        foreach (var stage in Unreachable(flow))
        {
            Error(stage.Position, $"stages[{stage.Key}]", $"Stage '{stage.Key}' cannot be reached from the start stage '{flow.Start}'.",
                $"从起始阶段“{flow.Start}”无法到达阶段“{stage.Key}”。");
        }

        return found;
    }

    private static void CheckGuard(
        Guard guard,
        StageDefinition stage,
        string guardPath,
        IReadOnlyDictionary<string, FieldDefinition> declaredFields,
        Action<SourcePosition, string, string, string> error,
        Action<SourcePosition, string, string, string> warn)
    {
        switch (guard)
        {
            case FieldsGuard fields:
                foreach (var key in fields.Required.Where(k => !declaredFields.ContainsKey(k)))
                {
                    error(guard.Position, guardPath + ".fields", $"Field '{key}' is required but no action collects it.",
                        $"字段“{key}”被要求必填，但没有任何动作收集该字段。");
                }

                break;
            case ChecklistCompleteGuard when stage.Checklist.Count == 0:
                warn(guard.Position, guardPath + ".checklist", $"Stage '{stage.Key}' has no checklist, so this guard always holds.",
                    $"阶段“{stage.Key}”没有清单，此条件总是成立。");
                break;
        }
    }

    private static void CheckDuplicates(
        IEnumerable<(string Key, SourcePosition Position)> items,
        string path,
        string what,
        string whatZh,
        Action<SourcePosition, string, string, string> error)
    {
        foreach (var duplicate in items.GroupBy(i => i.Key).Where(g => g.Count() > 1))
        {
            foreach (var (key, position) in duplicate.Skip(1))
            {
                error(position, $"{path}[{key}].key", $"The {what} key '{key}' is used twice.", $"{whatZh}键“{key}”重复。");
            }
        }
    }

    /// <summary>The loops of the stage graph: its strongly connected components with a way back (Tarjan's algorithm).</summary>
    private static List<List<StageDefinition>> Loops(FlowDefinition flow)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var loops = new List<List<StageDefinition>>();
        IEnumerable<string> Next(StageDefinition s) =>
            s.Actions.SelectMany(a => a.Targets).Concat(s.Timers.Select(t => t.To)).Where(k => flow.FindStage(k) is not null);

        void Visit(StageDefinition stage)
        {
            index[stage.Key] = low[stage.Key] = index.Count;
            stack.Push(stage.Key);
            onStack.Add(stage.Key);
            foreach (var next in Next(stage))
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Visit(flow.GetStage(next));
                    low[stage.Key] = Math.Min(low[stage.Key], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[stage.Key] = Math.Min(low[stage.Key], nextIndex);
                }
            }

            if (low[stage.Key] != index[stage.Key])
            {
                return;
            }

            var component = new List<StageDefinition>();
            string key;
            do
            {
                key = stack.Pop();
                onStack.Remove(key);
                component.Add(flow.GetStage(key));
            }
            while (key != stage.Key);

            if (component.Count > 1 || Next(stage).Contains(stage.Key))
            {
                component.Reverse();
                loops.Add(component);
            }
        }

        foreach (var stage in flow.Stages.Where(s => !index.ContainsKey(s.Key)))
        {
            Visit(stage);
        }

        return loops;
    }

    private static IEnumerable<StageDefinition> Unreachable(FlowDefinition flow)
    {
        if (flow.FindStage(flow.Start) is null)
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { flow.Start };
        var queue = new Queue<string>([flow.Start]);
        while (queue.Count > 0)
        {
            var stage = flow.FindStage(queue.Dequeue());
            if (stage is null)
            {
                continue;
            }

            foreach (var next in stage.Actions.SelectMany(a => a.Targets).Concat(stage.Timers.Select(t => t.To)))
            {
                if (seen.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return flow.Stages.Where(s => !seen.Contains(s.Key));
    }
}
