using System.Globalization;

namespace Rectification.Workflow.Conditions;

/// <summary>What a condition can look at: the case's fields and its situation codes.</summary>
public sealed record ConditionFacts(IReadOnlyDictionary<string, string> Fields, IReadOnlySet<string> Situations)
{
    /// <summary>The name conditions use for the case's situation codes.</summary>
    public const string SituationsName = "situations";
}

/// <summary>A parsed routing condition, e.g. <c>situations contains 6 and not countyLeader is set</c>. A small closed
/// language — comparisons joined by and/or/not — so a flow file can route a case but never run code.</summary>
public abstract record Condition
{
    public abstract bool Evaluate(ConditionFacts facts);

    /// <summary>The names (fields or <c>situations</c>) this condition reads, for validation.</summary>
    public abstract IEnumerable<string> Names { get; }

    public static Condition Parse(string text) => new ConditionParser(text).ParseAll();

    public static bool TryParse(string text, out Condition? condition, out string? error)
    {
        try
        {
            condition = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            condition = null;
            error = ex.Message;
            return false;
        }
    }
}

/// <summary>Both sides hold.</summary>
public sealed record AndCondition(Condition Left, Condition Right) : Condition
{
    public override bool Evaluate(ConditionFacts facts) => Left.Evaluate(facts) && Right.Evaluate(facts);

    public override IEnumerable<string> Names => Left.Names.Concat(Right.Names);

    public override string ToString() => $"({Left} and {Right})";
}

/// <summary>Either side holds.</summary>
public sealed record OrCondition(Condition Left, Condition Right) : Condition
{
    public override bool Evaluate(ConditionFacts facts) => Left.Evaluate(facts) || Right.Evaluate(facts);

    public override IEnumerable<string> Names => Left.Names.Concat(Right.Names);

    public override string ToString() => $"({Left} or {Right})";
}

/// <summary>The inner condition does not hold.</summary>
public sealed record NotCondition(Condition Inner) : Condition
{
    public override bool Evaluate(ConditionFacts facts) => !Inner.Evaluate(facts);

    public override IEnumerable<string> Names => Inner.Names;

    public override string ToString() => $"not {Inner}";
}

/// <summary>The comparison operators of the language.</summary>
public enum ComparisonOperator
{
    Contains,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    IsSet,
}

/// <summary>One comparison of a name against values: <c>situations contains 6</c>, <c>level == high</c>,
/// <c>score >= 70</c>, <c>level in [a, b]</c>, <c>countyLeader is set</c>.</summary>
public sealed record Comparison(string Name, ComparisonOperator Operator, IReadOnlyList<string> Values) : Condition
{
    public override IEnumerable<string> Names => [Name];

    public override bool Evaluate(ConditionFacts facts)
    {
        if (Name == ConditionFacts.SituationsName)
        {
            return Operator switch
            {
                ComparisonOperator.Contains => facts.Situations.Contains(Values[0]),
                ComparisonOperator.In => Values.Any(facts.Situations.Contains),
                ComparisonOperator.IsSet => facts.Situations.Count > 0,
                _ => false,
            };
        }

        var present = facts.Fields.TryGetValue(Name, out var value) && !string.IsNullOrWhiteSpace(value);
        return Operator switch
        {
            ComparisonOperator.IsSet => present,
            ComparisonOperator.Equal => present && value == Values[0],
            ComparisonOperator.NotEqual => !present || value != Values[0],
            ComparisonOperator.In => present && Values.Contains(value),
            ComparisonOperator.Contains => present && value!.Contains(Values[0], StringComparison.Ordinal),
            _ => present && Compare(value!, Values[0]),
        };
    }

    private bool Compare(string value, string bound)
    {
        if (!decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var left)
            || !decimal.TryParse(bound, NumberStyles.Number, CultureInfo.InvariantCulture, out var right))
        {
            return false;
        }

        return Operator switch
        {
            ComparisonOperator.Less => left < right,
            ComparisonOperator.LessOrEqual => left <= right,
            ComparisonOperator.Greater => left > right,
            _ => left >= right,
        };
    }

    public override string ToString() => Operator switch
    {
        ComparisonOperator.IsSet => $"{Name} is set",
        ComparisonOperator.In => $"{Name} in [{string.Join(", ", Values)}]",
        _ => $"{Name} {Symbol(Operator)} {Values[0]}",
    };

    private static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Contains => "contains",
        ComparisonOperator.Equal => "==",
        ComparisonOperator.NotEqual => "!=",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        _ => ">=",
    };
}
