using System.Text;
using System.Text.RegularExpressions;
using Rectification.Workflow.Conditions;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Rectification.Workflow.Definitions;

/// <summary>Reads a flow definition from YAML, reporting every problem with its line, column and field.</summary>
public static partial class FlowReader
{
    /// <summary>Flow files are a few kilobytes; anything this large is a mistake or an attack.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>A flow nests six levels at most (stage, action, to, route...); deeper input is malformed or hostile.</summary>
    public const int MaxDepth = 16;

    /// <summary>Real flows have about ten stages; the bound keeps every check over the stage graph small.</summary>
    public const int MaxStages = 200;

    /// <summary>Keys appear in URLs and the database (64 characters there).</summary>
    public const int MaxKeyLength = 64;

    public static FlowReadResult Read(string source, string yaml)
    {
        var diagnostics = new List<FlowDiagnostic>();
        if (Encoding.UTF8.GetByteCount(yaml) > MaxBytes)
        {
            diagnostics.Add(new FlowDiagnostic(source, 1, 1, "(file)",
                $"The file is larger than {MaxBytes / 1024} KB.", $"文件超过 {MaxBytes / 1024} KB。"));
            return new FlowReadResult(null, diagnostics);
        }

        YamlMappingNode? root;
        try
        {
            root = LoadRoot(source, yaml, diagnostics);
        }
        catch (YamlException ex)
        {
            diagnostics.Add(new FlowDiagnostic(source, (int)ex.Start.Line, (int)ex.Start.Column, "(syntax)",
                $"YAML syntax error: {ex.Message}", $"YAML 语法错误：{ex.Message}"));
            return new FlowReadResult(null, diagnostics);
        }
        catch (SyntaxFailure ex)
        {
            diagnostics.Add(new FlowDiagnostic(source, ex.Line, ex.Column, "(syntax)",
                $"YAML syntax error after this point: {ex.InnerException?.Message}", $"此处之后 YAML 语法错误：{ex.InnerException?.Message}"));
            return new FlowReadResult(null, diagnostics);
        }

        if (root is null)
        {
            return new FlowReadResult(null, diagnostics);
        }

        var reader = new Reader(source, diagnostics);
        var definition = reader.ReadFlow(root);
        if (definition is not null)
        {
            // Validate what could be read even when parts could not, so an author sees every mistake in one round;
            // elements the reader dropped are left out of the checks that would only echo its errors.
            diagnostics.AddRange(FlowValidator.Validate(source, definition, reader.DroppedStages));
        }

        var hasErrors = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        var key = root.Children.TryGetValue(new YamlScalarNode("key"), out var keyNode) ? (keyNode as YamlScalarNode)?.Value : null;
        return new FlowReadResult(hasErrors ? null : definition, diagnostics, string.IsNullOrWhiteSpace(key) ? null : key);
    }

    private static YamlMappingNode? LoadRoot(string source, string yaml, List<FlowDiagnostic> diagnostics)
    {
        // Anchors and aliases have no use in a flow file and are how YAML bombs are built: refuse them outright.
        var parser = new Parser(new StringReader(yaml));
        var last = new Mark();
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current!.End;
                depth += parser.Current switch
                {
                    MappingStart or SequenceStart => 1,
                    MappingEnd or SequenceEnd => -1,
                    _ => 0,
                };
                if (depth > MaxDepth)
                {
                    var at = parser.Current.Start;
                    diagnostics.Add(new FlowDiagnostic(source, (int)at.Line, (int)at.Column, "(syntax)",
                        $"Nested more than {MaxDepth} levels deep; a flow file needs far fewer.", $"嵌套超过 {MaxDepth} 层；流程文件用不到这么深。"));
                    return null;
                }

                if (parser.Current is AnchorAlias || parser.Current is NodeEvent { Anchor.IsEmpty: false })
                {
                    var at = parser.Current.Start;
                    diagnostics.Add(new FlowDiagnostic(source, (int)at.Line, (int)at.Column, "(syntax)",
                        "Anchors (&name) and aliases (*name) are not allowed in flow files.", "流程文件中不允许使用锚点（&name）和别名（*name）。"));
                    return null;
                }
            }
        }
        catch (Exception ex) when (ex is not YamlException and (InvalidOperationException or ArgumentException or FormatException))
        {
            // YamlDotNet reports some malformed input (e.g. an unclosed '[') with exceptions that carry no position.
            throw new SyntaxFailure((int)last.Line, (int)last.Column, ex);
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            diagnostics.Add(new FlowDiagnostic(source, 1, 1, "(file)",
                "A flow file holds exactly one YAML mapping (key, name, start, stages).",
                "流程文件必须是一个 YAML 映射（key、name、start、stages）。"));
            return null;
        }

        return root;
    }

    /// <summary>Stands in for a condition that could not be read (and was reported).</summary>
    private sealed record NeverCondition : Condition
    {
        public override IEnumerable<string> Names => [];

        public override bool Evaluate(ConditionFacts facts) => false;
    }

    private sealed class SyntaxFailure(int line, int column, Exception inner) : Exception(inner.Message, inner)
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }

    private sealed class Reader(string source, List<FlowDiagnostic> diagnostics)
    {
        /// <summary>Keys of stages that were written but could not be read, so the validator does not also call them missing.</summary>
        public HashSet<string> DroppedStages { get; } = new(StringComparer.Ordinal);

        private static readonly string[] FlowKeys = ["key", "name", "description", "start", "stages", "alerts"];
        private static readonly string[] StageKeys = ["key", "name", "roles", "terminal", "deadline", "actions", "checklist", "timers"];
        private static readonly string[] ActionKeys = ["key", "name", "roles", "to", "fields", "guards", "effects"];
        private static readonly string[] FieldKeys = ["key", "name", "type"];
        private static readonly string[] ChecklistKeys = ["key", "name", "role"];
        private static readonly string[] TimerKeys = ["key", "name", "after", "to"];

        private static readonly Dictionary<string, FieldType> FieldTypes = new(StringComparer.OrdinalIgnoreCase)
        {
            ["text"] = FieldType.Text,
            ["date"] = FieldType.Date,
            ["number"] = FieldType.Number,
        };

        public FlowDefinition? ReadFlow(YamlMappingNode root)
        {
            CheckKeys(root, "", FlowKeys);
            var key = RequiredKey(root, "", KeyPattern());
            var name = RequiredScalar(root, "name", "name");
            var start = RequiredScalar(root, "start", "start");
            var stages = ReadList(root, "stages", "stages", required: true, ReadStage);
            if (stages.Count > MaxStages)
            {
                Error(Find(root, "stages")!, "stages", $"A flow has at most {MaxStages} stages.", $"流程最多 {MaxStages} 个阶段。");
            }

            var alerts = ReadAlerts(root);
            return key is null || name is null || start is null ? null : new FlowDefinition(key, name, start, stages) { Alerts = alerts };
        }

        /// <summary>Reads <c>alerts: {remind: [3, 1], escalate: [{after: 3, to: county}, {after: 10, to: city}]}</c>.</summary>
        private AlertPolicy? ReadAlerts(YamlMappingNode root)
        {
            if (Find(root, "alerts") is not { } node)
            {
                return null;
            }

            if (node is not YamlMappingNode map)
            {
                Error(node, "alerts", "Expected remind and escalate.", "应包含 remind 和 escalate。");
                return null;
            }

            CheckKeys(map, "alerts", ["remind", "escalate"]);
            var remind = new List<int>();
            if (Find(map, "remind") is { } remindNode)
            {
                foreach (var text in ReadStringList(remindNode, "alerts.remind") ?? [])
                {
                    if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 60)
                    {
                        remind.Add(days);
                    }
                    else
                    {
                        Error(remindNode, "alerts.remind", $"'{text}' is not a number of working days (1 to 60).", $"“{text}”不是工作日数（1 至 60）。");
                    }
                }
            }

            var escalations = new List<(int, string)>();
            if (Find(map, "escalate") is { } escalateNode)
            {
                if (escalateNode is not YamlSequenceNode steps)
                {
                    Error(escalateNode, "alerts.escalate", "Expected a list of {after, to}.", "应为 {after, to} 列表。");
                }
                else
                {
                    for (var i = 0; i < steps.Children.Count; i++)
                    {
                        var path = $"alerts.escalate[{i}]";
                        if (steps.Children[i] is not YamlMappingNode step)
                        {
                            Error(steps.Children[i], path, "Each step is {after: working days, to: county or city}.", "每一级写作 {after: 工作日数, to: county 或 city}。");
                            continue;
                        }

                        CheckKeys(step, path, ["after", "to"]);
                        var after = RequiredScalar(step, "after", path + ".after");
                        var to = RequiredScalar(step, "to", path + ".to");
                        if (!int.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) || days is < 1 or > 120
                            || (escalations.Count > 0 && days <= escalations[^1].Item1))
                        {
                            Error(Find(step, "after") ?? step, path + ".after", "Working days overdue, 1 to 120, each step later than the one before.",
                                "逾期工作日数（1 至 120），且每一级晚于上一级。");
                        }
                        else if (to is not ("county" or "city"))
                        {
                            Error(Find(step, "to") ?? step, path + ".to", "To county or city.", "上报 county（县）或 city（市）。");
                        }
                        else
                        {
                            escalations.Add((days, to));
                        }
                    }
                }
            }

            return new AlertPolicy(remind.Distinct().ToList(), escalations);
        }

        private StageDefinition? ReadStage(YamlMappingNode node, string path)
        {
            var key = RequiredKey(node, path, KeyPattern());
            var stagePath = key is null ? path : $"stages[{key}]";
            CheckKeys(node, stagePath, StageKeys);
            var name = RequiredScalar(node, "name", stagePath + ".name");
            var roles = ReadRoles(node, "roles", stagePath + ".roles");
            var terminal = ReadBool(node, "terminal", stagePath + ".terminal");
            var deadline = ReadDuration(node, "deadline", stagePath + ".deadline");
            var actions = ReadList(node, "actions", stagePath + ".actions", required: false, ReadAction);
            var checklist = ReadList(node, "checklist", stagePath + ".checklist", required: false, ReadChecklistItem);
            var timers = ReadList(node, "timers", stagePath + ".timers", required: false, ReadTimer);
            if (key is not null && name is null)
            {
                DroppedStages.Add(key);
            }

            return key is null || name is null
                ? null
                : new StageDefinition(key, name, roles, terminal, deadline, actions, checklist, timers, PositionOf(node));
        }

        private ActionDefinition? ReadAction(YamlMappingNode node, string path)
        {
            var key = RequiredKey(node, path, KeyPattern());
            var actionPath = WithKey(path, key);
            CheckKeys(node, actionPath, ActionKeys);
            var name = RequiredScalar(node, "name", actionPath + ".name");
            var roles = ReadRoles(node, "roles", actionPath + ".roles");
            var rolesNode = Find(node, "roles");
            if (rolesNode is null)
            {
                Error(node, actionPath + ".roles", "'roles' is required: who may take this action.", "缺少必填项“roles”：谁可以执行此动作。");
            }
            else if (rolesNode is YamlSequenceNode { Children.Count: 0 })
            {
                Error(rolesNode, actionPath + ".roles", "An action needs at least one role.", "动作至少需要一个角色。");
            }

            var (to, routes) = ReadTarget(node, actionPath + ".to");
            var fields = ReadList(node, "fields", actionPath + ".fields", required: false, ReadField);
            var guards = ReadGuards(node, actionPath + ".guards");
            var effects = ReadEffects(node, actionPath + ".effects");
            var toNode = Find(node, "to");
            var toPosition = toNode is YamlSequenceNode { Children.Count: > 0 } list ? PositionOf(list.Children[^1]) : toNode is null ? default : PositionOf(toNode);
            return key is null || name is null || to is null
                ? null
                : new ActionDefinition(key, name, roles, to, fields, guards, PositionOf(node), routes, toPosition) { Effects = effects };
        }

        private List<string> ReadEffects(YamlMappingNode action, string path)
        {
            if (Find(action, "effects") is not { } node)
            {
                return [];
            }

            var effects = ReadStringList(node, path) ?? [];
            foreach (var effect in effects.Where(e => !ActionEffects.All.Contains(e)))
            {
                Error(node, path, $"Unknown effect '{effect}'; known: {string.Join(", ", ActionEffects.All)}.",
                    $"未知的效果“{effect}”，可用：{string.Join("、", ActionEffects.All)}。");
            }

            return effects.Where(ActionEffects.All.Contains).ToList();
        }

        /// <summary>Reads <c>to: stage</c>, or a list of <c>{if: condition, then: stage}</c> ending with <c>{else: stage}</c>.</summary>
        private (string? To, List<Route> Routes) ReadTarget(YamlMappingNode action, string path)
        {
            var routes = new List<Route>();
            if (Find(action, "to") is not YamlSequenceNode list)
            {
                return (RequiredScalar(action, "to", path), routes);
            }

            string? fallback = null;
            for (var i = 0; i < list.Children.Count; i++)
            {
                var itemPath = $"{path}[{i}]";
                var item = list.Children[i] as YamlMappingNode;
                if (item is not null && Find(item, "else") is { } elseNode && item.Children.Count == 1)
                {
                    fallback = ScalarValue(elseNode, itemPath + ".else");
                    if (i != list.Children.Count - 1)
                    {
                        Error(item, itemPath, "'else' must be the last entry.", "“else”必须是最后一项。");
                    }

                    continue;
                }

                if (item is null || item.Children.Count != 2 || Find(item, "if") is not { } ifNode || Find(item, "then") is not { } thenNode)
                {
                    Error(list.Children[i], itemPath, "Each entry is {if: condition, then: stage}; the last is {else: stage}.",
                        "每一项写作 {if: 条件, then: 阶段}，最后一项写作 {else: 阶段}。");
                    continue;
                }

                var text = ScalarValue(ifNode, itemPath + ".if");
                var target = ScalarValue(thenNode, itemPath + ".then");
                if (text is null || target is null)
                {
                    continue;
                }

                if (!Condition.TryParse(text, out var condition, out var problem))
                {
                    Error(ifNode, itemPath + ".if", $"Cannot read the condition: {problem}.", $"无法识别条件：{problem}。");
                    // Kept with a condition that never holds, so the checks of the whole flow do not call its target unreachable.
                    condition = new NeverCondition();
                }

                routes.Add(new Route(condition!, text, target, PositionOf(item), PositionOf(thenNode)));
            }

            if (fallback is null)
            {
                Error(list, path, "A conditional target needs a last entry {else: stage} for cases no condition matches.",
                    "条件去向必须以 {else: 阶段} 结尾，用于不满足任何条件的案件。");
                // Reported; the last route's target stands in so the action is not also reported missing.
                fallback = routes.Count > 0 ? routes[^1].To : null;
            }

            return (fallback, routes);
        }

        private FieldDefinition? ReadField(YamlMappingNode node, string path)
        {
            var key = RequiredKey(node, path, FieldKeyPattern());
            path = WithKey(path, key);
            CheckKeys(node, path, FieldKeys);
            var name = RequiredScalar(node, "name", path + ".name");
            var type = FieldType.Text;
            if (Find(node, "type") is { } typeNode)
            {
                var text = ScalarValue(typeNode, path + ".type");
                if (text is not null && !FieldTypes.TryGetValue(text, out type))
                {
                    Error(typeNode, path + ".type", $"Unknown field type '{text}'; use text, date or number.",
                        $"未知的字段类型“{text}”，可用 text、date、number。");
                }
            }

            return key is null || name is null ? null : new FieldDefinition(key, name, type, PositionOf(node));
        }

        private ChecklistItemDefinition? ReadChecklistItem(YamlMappingNode node, string path)
        {
            var key = RequiredKey(node, path, KeyPattern());
            path = WithKey(path, key);
            CheckKeys(node, path, ChecklistKeys);
            var name = RequiredScalar(node, "name", path + ".name");
            var role = RequiredScalar(node, "role", path + ".role");
            if (role is not null && !Roles.IsKnown(role))
            {
                // Reported here; the item is kept so checks on the stage's checklist do not echo this error.
                Error(Find(node, "role")!, path + ".role", UnknownRole(role).En, UnknownRole(role).Zh);
            }

            return key is null || name is null || role is null ? null : new ChecklistItemDefinition(key, name, role, PositionOf(node));
        }

        private TimerDefinition? ReadTimer(YamlMappingNode node, string path)
        {
            var key = RequiredKey(node, path, KeyPattern());
            path = WithKey(path, key);
            CheckKeys(node, path, TimerKeys);
            var name = RequiredScalar(node, "name", path + ".name");
            var to = RequiredScalar(node, "to", path + ".to");
            var after = ReadDuration(node, "after", path + ".after");
            if (after is null && Find(node, "after") is null)
            {
                Error(node, path + ".after", "A timer needs 'after' (e.g. 12 months).", "定时器必须填写 after（例如 12 months）。");
            }

            return key is null || name is null || to is null || after is null
                ? null
                : new TimerDefinition(key, name, after, to, PositionOf(node));
        }

        private List<Guard> ReadGuards(YamlMappingNode action, string path)
        {
            var guards = new List<Guard>();
            if (Find(action, "guards") is not { } node)
            {
                return guards;
            }

            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, "Guards are a list.", "guards 必须是列表。");
                return guards;
            }

            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var item = sequence.Children[i];
                var itemPath = $"{path}[{i}]";
                if (item is not YamlMappingNode map || map.Children.Count != 1)
                {
                    Error(item, itemPath, "A guard is a mapping with one kind: fields, checklist, comment, plan, ledger or acceptance.",
                        "每个守卫条件是只含一种类型的映射：fields、checklist、comment、plan、ledger 或 acceptance。");
                    continue;
                }

                var (kindNode, value) = map.Children.First();
                var kind = (kindNode as YamlScalarNode)?.Value;
                var guard = kind switch
                {
                    "fields" => ReadFieldsGuard(value, itemPath + ".fields"),
                    "checklist" => ExpectWord(value, itemPath + ".checklist", "complete") ? new ChecklistCompleteGuard(PositionOf(item)) : null,
                    "comment" => ExpectWord(value, itemPath + ".comment", "required") ? new CommentRequiredGuard(PositionOf(item)) : null,
                    "plan" => ExpectWord(value, itemPath + ".plan", "complete") ? new PlanCompleteGuard(PositionOf(item)) : null,
                    "ledger" => ExpectWord(value, itemPath + ".ledger", "closed") ? new LedgerClosedGuard(PositionOf(item)) : null,
                    "acceptance" => ExpectWord(value, itemPath + ".acceptance", "passed") ? new AcceptancePassedGuard(PositionOf(item)) : null,
                    _ => UnknownGuard(kindNode, itemPath, kind),
                };
                if (guard is not null)
                {
                    guards.Add(guard);
                }
            }

            return guards;
        }

        private Guard? UnknownGuard(YamlNode node, string path, string? kind)
        {
            Error(node, path, $"Unknown guard kind '{kind}'; use fields, checklist, comment, plan, ledger or acceptance.",
                $"未知的守卫条件类型“{kind}”，可用 fields、checklist、comment、plan、ledger、acceptance。");
            return null;
        }

        private FieldsGuard? ReadFieldsGuard(YamlNode value, string path)
        {
            var keys = ReadStringList(value, path);
            if (keys is null || keys.Count == 0)
            {
                Error(value, path, "List the required fields, e.g. [countyLeader].", "请列出必填字段，例如 [countyLeader]。");
                return null;
            }

            return new FieldsGuard(keys, PositionOf(value));
        }

        private bool ExpectWord(YamlNode value, string path, string word)
        {
            if (value is YamlScalarNode { Value: var text } && text == word)
            {
                return true;
            }

            Error(value, path, $"Write '{word}' here.", $"此处应写“{word}”。");
            return false;
        }

        private List<T> ReadList<T>(YamlMappingNode parent, string key, string path, bool required, Func<YamlMappingNode, string, T?> read)
            where T : class
        {
            var result = new List<T>();
            var node = Find(parent, key);
            if (node is null)
            {
                if (required)
                {
                    Error(parent, path, $"'{key}' is required.", $"缺少必填项“{key}”。");
                }

                return result;
            }

            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, $"'{key}' must be a list.", $"“{key}”必须是列表。");
                return result;
            }

            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (sequence.Children[i] is not YamlMappingNode item)
                {
                    Error(sequence.Children[i], $"{path}[{i}]", "Each entry must be a mapping (key: value).", "每一项必须是映射（键: 值）。");
                    continue;
                }

                if (read(item, $"{path}[{i}]") is { } value)
                {
                    result.Add(value);
                }
            }

            return result;
        }

        private List<string> ReadRoles(YamlMappingNode parent, string key, string path)
        {
            if (Find(parent, key) is not { } node)
            {
                return [];
            }

            var roles = ReadStringList(node, path) ?? [];
            foreach (var role in roles.Where(r => !Roles.IsKnown(r)))
            {
                var (en, zh) = UnknownRole(role);
                Error(node, path, en, zh);
            }

            return roles.Where(Roles.IsKnown).ToList();
        }

        private List<string>? ReadStringList(YamlNode node, string path)
        {
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, "Expected a list, e.g. [a, b].", "此处应为列表，例如 [a, b]。");
                return null;
            }

            var values = new List<string>();
            foreach (var child in sequence.Children)
            {
                if (ScalarValue(child, path) is { } value)
                {
                    values.Add(value);
                }
            }

            return values;
        }

        private bool ReadBool(YamlMappingNode parent, string key, string path)
        {
            if (Find(parent, key) is not { } node)
            {
                return false;
            }

            var text = ScalarValue(node, path);
            if (text is "true" or "false")
            {
                return text == "true";
            }

            Error(node, path, "Expected true or false.", "此处应为 true 或 false。");
            return false;
        }

        private DurationExpression? ReadDuration(YamlMappingNode parent, string key, string path)
        {
            if (Find(parent, key) is not { } node)
            {
                return null;
            }

            var text = ScalarValue(node, path);
            if (text is null)
            {
                return null;
            }

            if (DurationExpression.TryParse(text, out var expression))
            {
                return expression;
            }

            Error(node, path, $"Cannot read the duration '{text}'; write e.g. '10 working days', '30 days', '6 months' or 'year-end'.",
                $"无法识别期限“{text}”，请写成“10 working days”“30 days”“6 months”或“year-end”（或 10个工作日、30天、6个月、年底）。");
            return null;
        }

        private string? RequiredScalar(YamlMappingNode parent, string key, string path)
        {
            if (Find(parent, key) is not { } node)
            {
                Error(parent, path, $"'{key}' is required.", $"缺少必填项“{key}”。");
                return null;
            }

            var value = ScalarValue(node, path);
            if (value is not null && string.IsNullOrWhiteSpace(value))
            {
                Error(node, path, $"'{key}' must not be empty.", $"“{key}”不能为空。");
                return null;
            }

            return value;
        }

        private string? ScalarValue(YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar)
            {
                return scalar.Value ?? "";
            }

            Error(node, path, "Expected a single value here.", "此处应为单个值。");
            return null;
        }

        private void CheckKeys(YamlMappingNode node, string path, string[] allowed)
        {
            foreach (var keyNode in node.Children.Keys)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                if (key is null || !allowed.Contains(key))
                {
                    var field = path.Length == 0 ? key ?? "?" : $"{path}.{key}";
                    Error(keyNode, field, $"Unknown key '{key}'; allowed here: {string.Join(", ", allowed)}.",
                        $"未知的键“{key}”，此处可用：{string.Join("、", allowed)}。");
                }
            }
        }

        /// <summary>Reads an element's key, which must be a plain identifier: it appears in URLs and diagram ids.</summary>
        private string? RequiredKey(YamlMappingNode node, string path, Regex pattern)
        {
            var field = path.Length == 0 ? "key" : path + ".key";
            var key = RequiredScalar(node, "key", field);
            if (key is not null && (key.Length > MaxKeyLength || !pattern.IsMatch(key)))
            {
                Error(Find(node, "key")!, field, $"The key must match {pattern} and be at most {MaxKeyLength} characters.",
                    $"键必须符合格式 {pattern}，且不超过 {MaxKeyLength} 个字符。");
                return null;
            }

            return key;
        }

        // "stages[planning].actions[0]" becomes "stages[planning].actions[submit-plan]" once the key is known.
        private static string WithKey(string path, string? key) => key is null ? path : $"{path[..path.LastIndexOf('[')]}[{key}]";

        private static YamlNode? Find(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private static SourcePosition PositionOf(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

        private static (string En, string Zh) UnknownRole(string role) =>
            ($"Unknown role '{role}'; known roles: {string.Join(", ", Roles.All.Keys)}.",
             $"未知的角色“{role}”，可用角色：{string.Join("、", Roles.All.Keys)}。");

        private void Error(YamlNode node, string field, string message, string messageZh) =>
            diagnostics.Add(new FlowDiagnostic(source, (int)node.Start.Line, (int)node.Start.Column, field, message, messageZh));
    }

    /// <summary>Stage, action, checklist and timer keys: lower case words joined by '-', e.g. plan-review.</summary>
    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex KeyPattern();

    /// <summary>Field keys: camelCase, as they appear in JSON, e.g. countyLeader.</summary>
    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex FieldKeyPattern();
}
