using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Guards;

/// <summary>A condition an action needs before it may move a case. Guards are a small closed set of kinds,
/// each a record here, so a flow file can never run code of its own.</summary>
public abstract record Guard(SourcePosition Position)
{
    /// <summary>The key that names this kind in a flow file (<c>fields</c>, <c>checklist</c>, ...).</summary>
    public abstract string Kind { get; }

    /// <summary>Every condition this guard finds unmet; empty when it holds.</summary>
    public abstract IEnumerable<UnmetCondition> Check(GuardContext context);
}

/// <summary>What a guard may look at: the case as it would be after the action, and its plan and ledger.</summary>
public sealed record GuardContext(
    StageDefinition Stage,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlySet<string> SignedChecklistItems,
    string? Comment,
    LedgerFacts? Ledger = null);

/// <summary>The case's plan and ledger as far as guards need them: which situations the plan's measures cover,
/// and which ledger items are not yet ticked off.</summary>
public sealed record LedgerFacts(
    IReadOnlySet<string> Situations,
    IReadOnlySet<string> CoveredSituations,
    int Measures,
    IReadOnlyList<OpenLedgerItem> OpenItems,
    AcceptanceFacts? Acceptance = null)
{
    public static LedgerFacts Empty { get; } = new(new HashSet<string>(), new HashSet<string>(), 0, []);
}

/// <summary>The acceptance recorded in the current stage visit: the score, the pass mark and the computed outcome.</summary>
public sealed record AcceptanceFacts(decimal Total, decimal PassMark, int Dissatisfied, int Ratings, bool Passed);

/// <summary>A ledger item not yet closed.</summary>
public sealed record OpenLedgerItem(int Id, string Title, string Status);

/// <summary>One reason an action cannot be taken yet, in English and Chinese; <see cref="Subject"/> names the
/// field or checklist item concerned.</summary>
public sealed record UnmetCondition(string Guard, string Subject, string Message, string MessageZh);

/// <summary>Requires case fields to hold a value (e.g. the four persons and units of 包保).</summary>
public sealed record FieldsGuard(IReadOnlyList<string> Required, SourcePosition Position) : Guard(Position)
{
    public override string Kind => "fields";

    public override IEnumerable<UnmetCondition> Check(GuardContext context)
    {
        foreach (var key in Required)
        {
            if (!context.Fields.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                yield return new UnmetCondition(Kind, key, $"Field '{key}' is required.", $"字段“{key}”必须填写。");
            }
        }
    }
}

/// <summary>Requires every checklist item of the current stage to be signed.</summary>
public sealed record ChecklistCompleteGuard(SourcePosition Position) : Guard(Position)
{
    public override string Kind => "checklist";

    public override IEnumerable<UnmetCondition> Check(GuardContext context) =>
        context.Stage.Checklist
            .Where(item => !context.SignedChecklistItems.Contains(item.Key))
            .Select(item => new UnmetCondition(
                Kind,
                item.Key,
                $"Checklist item '{item.Key}' ({item.Name}) is not signed; {item.Role} signs it.",
                $"清单项“{item.Name}”尚未签署（由 {Roles.All.GetValueOrDefault(item.Role, item.Role)} 签署）。"));
}

/// <summary>Requires a comment with the action, e.g. the reason a plan is returned or acceptance failed.</summary>
public sealed record CommentRequiredGuard(SourcePosition Position) : Guard(Position)
{
    public override string Kind => "comment";

    public override IEnumerable<UnmetCondition> Check(GuardContext context)
    {
        if (string.IsNullOrWhiteSpace(context.Comment))
        {
            yield return new UnmetCondition(Kind, "comment", "A comment (the reason) is required.", "必须填写意见（理由）。");
        }
    }
}

/// <summary>Requires a plan (一村一策) whose measures cover every situation the case was listed for.</summary>
public sealed record PlanCompleteGuard(SourcePosition Position) : Guard(Position)
{
    public override string Kind => "plan";

    public override IEnumerable<UnmetCondition> Check(GuardContext context)
    {
        var ledger = context.Ledger ?? LedgerFacts.Empty;
        if (ledger.Measures == 0)
        {
            yield return new UnmetCondition(Kind, "plan", "The plan has no measures yet.", "整顿方案还没有任何措施。");
        }

        foreach (var code in ledger.Situations.Where(s => !ledger.CoveredSituations.Contains(s)).Order(StringComparer.Ordinal))
        {
            yield return new UnmetCondition(Kind, code, $"Situation {code} is not covered by any measure of the plan.",
                $"情形 {code} 尚无对应的整改措施。");
        }
    }
}

/// <summary>Requires every ledger item of the case to be ticked off (销号).</summary>
public sealed record LedgerClosedGuard(SourcePosition Position) : Guard(Position)
{
    public override string Kind => "ledger";

    public override IEnumerable<UnmetCondition> Check(GuardContext context) =>
        (context.Ledger ?? LedgerFacts.Empty).OpenItems.Select(item => new UnmetCondition(
            Kind,
            item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"Ledger item {item.Id} ({item.Title}) is {item.Status}, not closed.",
            $"台账事项 {item.Id}（{item.Title}）尚未销号（{item.Status}）。"));
}

/// <summary>Requires the acceptance (验收) recorded in this stage to pass: the pass mark, and no more than half of the
/// democratic rating dissatisfied. The outcome is computed from the score sheet, never typed.</summary>
public sealed record AcceptancePassedGuard(SourcePosition Position) : Guard(Position)
{
    public override string Kind => "acceptance";

    public override IEnumerable<UnmetCondition> Check(GuardContext context)
    {
        var acceptance = context.Ledger?.Acceptance;
        if (acceptance is null)
        {
            yield return new UnmetCondition(Kind, "acceptance", "No acceptance has been recorded yet.", "尚未录入验收评分。");
            yield break;
        }

        if (acceptance.Total < acceptance.PassMark)
        {
            yield return new UnmetCondition(Kind, "score", $"The score {acceptance.Total} is below the pass mark {acceptance.PassMark}.",
                $"验收得分 {acceptance.Total} 低于合格线 {acceptance.PassMark}。");
        }

        if (acceptance.Dissatisfied * 2 > acceptance.Ratings)
        {
            yield return new UnmetCondition(Kind, "rating", $"{acceptance.Dissatisfied} of {acceptance.Ratings} rated dissatisfied: more than half.",
                $"民主测评 {acceptance.Ratings} 票中“不满意” {acceptance.Dissatisfied} 票，超过半数。");
        }
    }
}
