using Rectification.Workflow.Conditions;

namespace Rectification.Workflow.Tests.Conditions;

/// <summary>The routing-condition language: what each operator reads, how and/or/not bind, and the column each
/// mistake is reported at (the flow reader passes these messages on to the author).</summary>
public sealed class ConditionTests
{
    [Theory]
    [InlineData("situations contains 6", "situations", ComparisonOperator.Contains, new[] { "6" })]
    [InlineData("level == high", "level", ComparisonOperator.Equal, new[] { "high" })]
    [InlineData("level != high", "level", ComparisonOperator.NotEqual, new[] { "high" })]
    [InlineData("score < 60", "score", ComparisonOperator.Less, new[] { "60" })]
    [InlineData("score <= 60", "score", ComparisonOperator.LessOrEqual, new[] { "60" })]
    [InlineData("score > 60", "score", ComparisonOperator.Greater, new[] { "60" })]
    [InlineData("score >= 60", "score", ComparisonOperator.GreaterOrEqual, new[] { "60" })]
    [InlineData("score>=60", "score", ComparisonOperator.GreaterOrEqual, new[] { "60" })]
    [InlineData("level in [low, high]", "level", ComparisonOperator.In, new[] { "low", "high" })]
    [InlineData("countyLeader is set", "countyLeader", ComparisonOperator.IsSet, new string[0])]
    public void Parse_SingleComparison_ReadsNameOperatorAndValues(string text, string name, ComparisonOperator op, string[] values)
    {
        var comparison = Assert.IsType<Comparison>(Condition.Parse(text));

        Assert.Equal(name, comparison.Name);
        Assert.Equal(op, comparison.Operator);
        Assert.Equal(values, comparison.Values);
    }

    [Theory]
    [InlineData("situations contains 6", new[] { "6" }, true)]
    [InlineData("situations contains 6", new[] { "1", "5", "7" }, false)]
    [InlineData("situations contains 6", new string[0], false)]
    [InlineData("situations contains 1", new[] { "10" }, false)]
    [InlineData("situations in [3, 6]", new[] { "1", "6" }, true)]
    [InlineData("situations in [3, 6]", new[] { "1", "5" }, false)]
    [InlineData("situations is set", new[] { "2" }, true)]
    [InlineData("situations is set", new string[0], false)]
    public void Evaluate_Situations_ComparesTheCaseSituationCodes(string text, string[] situations, bool expected)
    {
        var facts = new ConditionFacts(new Dictionary<string, string>(), new HashSet<string>(situations, StringComparer.Ordinal));

        Assert.Equal(expected, Condition.Parse(text).Evaluate(facts));
    }

    [Theory]
    [InlineData("level == high", "high", true)]
    [InlineData("level == high", "High", false)]
    [InlineData("level == high", null, false)]
    [InlineData("level != high", "low", true)]
    [InlineData("level != high", "high", false)]
    [InlineData("level != high", null, true)]
    [InlineData("level in [low, high]", "high", true)]
    [InlineData("level in [low, high]", "medium", false)]
    [InlineData("level in [low, high]", null, false)]
    [InlineData("level is set", "low", true)]
    [InlineData("level is set", "   ", false)]
    [InlineData("level is set", null, false)]
    [InlineData("level contains igh", "high", true)]
    [InlineData("level contains igh", "low", false)]
    public void Evaluate_FieldComparison_ReadsTheFieldValue(string text, string? value, bool expected)
    {
        Assert.Equal(expected, Condition.Parse(text).Evaluate(Fields(("level", value))));
    }

    [Theory]
    [InlineData("score >= 70", "70.5", true)]
    [InlineData("score >= 70", "70", true)]
    [InlineData("score >= 70", "69.99", false)]
    [InlineData("score >= 70", "abc", false)]
    [InlineData("score >= 70", null, false)]
    [InlineData("score > 70", "70", false)]
    [InlineData("score < 70", "-3", true)]
    [InlineData("score <= 70", "70.0", true)]
    [InlineData("score <= 70", "70.01", false)]
    [InlineData("score > 9", "10", true)]
    [InlineData("score < 9", "10", false)]
    public void Evaluate_OrderingComparison_ComparesNumbersNumericallyAndIsFalseForNonNumbers(string text, string? value, bool expected)
    {
        // "10" > "9" numerically though not as text: the comparison is on numbers.
        Assert.Equal(expected, Condition.Parse(text).Evaluate(Fields(("score", value))));
    }

    [Theory]
    [InlineData(false, false, false, false)]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, false, false)]
    [InlineData(false, false, true, false)]
    [InlineData(false, true, true, true)]
    public void Evaluate_AndBindsTighterThanOr_AIsSetOrBAndC(bool a, bool b, bool c, bool expected)
    {
        var condition = Condition.Parse("a is set or b is set and c is set");

        Assert.Equal(expected, condition.Evaluate(Set(a, b, c)));
    }

    [Fact]
    public void Parse_AndOrWithoutParentheses_GroupsTheAndUnderTheOr()
    {
        var or = Assert.IsType<OrCondition>(Condition.Parse("a is set or b is set and c is set"));

        Assert.Equal("a", Assert.IsType<Comparison>(or.Left).Name);
        var and = Assert.IsType<AndCondition>(or.Right);
        Assert.Equal(("b", "c"), (Assert.IsType<Comparison>(and.Left).Name, Assert.IsType<Comparison>(and.Right).Name));
        Assert.Equal("(a is set or (b is set and c is set))", or.ToString());
    }

    [Theory]
    [InlineData(true, false, false, false)]
    [InlineData(true, false, true, true)]
    [InlineData(false, true, true, true)]
    [InlineData(false, false, true, false)]
    public void Evaluate_Parentheses_OverrideThePrecedence(bool a, bool b, bool c, bool expected)
    {
        var condition = Condition.Parse("(a is set or b is set) and c is set");

        Assert.Equal(expected, condition.Evaluate(Set(a, b, c)));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, true)]
    [InlineData(true, true, false)]
    public void Evaluate_NotBindsToTheNextComparisonOnly(bool a, bool b, bool expected)
    {
        var condition = Condition.Parse("not a is set and b is set");

        Assert.IsType<NotCondition>(Assert.IsType<AndCondition>(condition).Left);
        Assert.Equal(expected, condition.Evaluate(Set(a, b, false)));
    }

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    public void Evaluate_NotOfParenthesisedGroup_NegatesTheWholeGroup(bool a, bool b, bool expected)
    {
        Assert.Equal(expected, Condition.Parse("not (a is set or b is set)").Evaluate(Set(a, b, false)));
    }

    [Theory]
    [InlineData("level == \"very high\"", "very high", true)]
    [InlineData("level == 'very high'", "very high", true)]
    [InlineData("level == \"very high\"", "very", false)]
    [InlineData("level == 'and'", "and", true)]
    [InlineData("level in ['very high', \"low, really\"]", "low, really", true)]
    [InlineData("level == '高 风险'", "高 风险", true)]
    public void Evaluate_QuotedValue_KeepsSpacesCommasAndKeywords(string text, string value, bool expected)
    {
        Assert.Equal(expected, Condition.Parse(text).Evaluate(Fields(("level", value))));
    }

    [Fact]
    public void Parse_QuotedValue_IsStoredWithoutItsQuotes()
    {
        var comparison = Assert.IsType<Comparison>(Condition.Parse("level in ['very high', \"low\"]"));

        Assert.Equal(["very high", "low"], comparison.Values);
    }

    [Fact]
    public void Names_ListsEveryNameReadInOrder()
    {
        var condition = Condition.Parse("situations contains 6 and (level == high or not score >= 70)");

        Assert.Equal(["situations", "level", "score"], condition.Names);
    }

    [Theory]
    [InlineData("", "expected a field name or 'situations' at the end")]
    [InlineData("   ", "expected a field name or 'situations' at the end")]
    [InlineData("score = 70", "unknown operator '='; write == or != (column 7)")]
    [InlineData("score ! 70", "unknown operator '!'; write == or != (column 7)")]
    [InlineData("score ~ 70", "expected an operator (contains, ==, !=, <, <=, >, >=, in, is set), found '~' (column 7)")]
    [InlineData("score >=", "expected a number after '>=' at the end")]
    [InlineData("score >= and", "'>=' compares numbers; 'and' is not one (column 10)")]
    [InlineData("score > high", "'>' compares numbers; 'high' is not one (column 9)")]
    [InlineData("situations == 6", "'situations' takes contains, in or is set, not '==' (column 12)")]
    [InlineData("level == \"very high", "unclosed quote (column 10)")]
    [InlineData("(a is set or b is set", "expected ')' at the end")]
    [InlineData("a is set b is set", "unexpected 'b' (column 10)")]
    [InlineData("a is set)", "unexpected ')' (column 9)")]
    [InlineData("a is unset", "expected 'set' after 'is' (column 6)")]
    [InlineData("level in [a b]", "expected ']', found 'b' (column 13)")]
    [InlineData("level in []", "expected a value, found ']' (column 11)")]
    [InlineData("and is set", "expected a field name or 'situations', found 'and' (column 1)")]
    [InlineData("a is set and or b is set", "expected a field name or 'situations', found 'or' (column 14)")]
    public void Parse_Mistake_IsAFormatExceptionNamingTheColumn(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => Condition.Parse(text));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Parse_TextOfExactly500Characters_Parses()
    {
        var text = new string('x', 493) + " is set";

        Assert.Equal(500, text.Length);
        Assert.Equal(new string('x', 493), Assert.IsType<Comparison>(Condition.Parse(text)).Name);
    }

    [Fact]
    public void Parse_TextOver500Characters_IsRefusedBeforeReadingIt()
    {
        // The tail would not parse either; the length alone is reported.
        var text = new string('x', 494) + " is set ((";

        var ex = Assert.Throws<FormatException>(() => Condition.Parse(text));

        Assert.Equal("longer than 500 characters", ex.Message);
    }

    [Fact]
    public void Parse_FifteenNestedParentheses_Parses()
    {
        var text = new string('(', 15) + "a is set" + new string(')', 15);

        Assert.True(Condition.Parse(text).Evaluate(Fields(("a", "x"))));
    }

    [Fact]
    public void Parse_SeventeenNestedNots_IsRefusedAsTooDeep()
    {
        // Each "not (" nests twice: the ninth goes past sixteen levels, at its 'not' (column 41).
        var text = string.Concat(Enumerable.Repeat("not (", 17)) + "a is set" + new string(')', 17);

        var ex = Assert.Throws<FormatException>(() => Condition.Parse(text));

        Assert.Equal("nested more than 16 levels deep (column 41)", ex.Message);
    }

    [Fact]
    public void TryParse_Mistake_ReturnsFalseWithTheMessage()
    {
        var parsed = Condition.TryParse("score = 70", out var condition, out var error);

        Assert.False(parsed);
        Assert.Null(condition);
        Assert.Equal("unknown operator '='; write == or != (column 7)", error);
    }

    [Fact]
    public void TryParse_ValidText_ReturnsTheCondition()
    {
        var parsed = Condition.TryParse("situations contains 6", out var condition, out var error);

        Assert.True(parsed);
        Assert.Null(error);
        Assert.Equal("situations contains 6", condition!.ToString());
    }

    private static ConditionFacts Fields(params (string Key, string? Value)[] fields) =>
        new(
            fields.Where(f => f.Value is not null).ToDictionary(f => f.Key, f => f.Value!, StringComparer.Ordinal),
            new HashSet<string>(StringComparer.Ordinal));

    private static ConditionFacts Set(bool a, bool b, bool c) =>
        Fields(("a", a ? "x" : null), ("b", b ? "x" : null), ("c", c ? "x" : null));
}
