using Rectification.Workflow.Conditions;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Engine;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>Conditional targets: <c>to:</c> as a list of <c>{if: condition, then: stage}</c> ending with
/// <c>{else: stage}</c>, how it reads, the mistakes reported at their line, and where the engine then sends a case.</summary>
public sealed class RoutingTests
{
    private const string Source = "routes.yaml";

    private const string RoutedFlow = """
        key: mini
        name: Mini
        start: open
        stages:
          - key: open
            name: Open
            roles: [county-admin]
            actions:
              - key: triage
                name: Triage
                roles: [county-admin]
                fields:
                  - { key: level, name: Level }
                to:
                  - if: situations contains 6
                    then: crackdown
                  - { if: level == high, then: urgent }
                  - else: normal
          - key: crackdown
            name: Crackdown
            terminal: true
          - key: urgent
            name: Urgent
            terminal: true
          - key: normal
            name: Normal
            terminal: true
        """;

    private static readonly string[] CountyAdmin = [Roles.CountyAdmin];

    [Fact]
    public void Read_ConditionalTo_ReadsTheRoutesInOrderAndTheElseAsTo()
    {
        var result = FlowReader.Read(Source, RoutedFlow);

        Assert.Empty(result.Diagnostics);
        var action = result.Definition!.GetStage("open").FindAction("triage")!;
        Assert.Equal(
            [
                ("situations contains 6", "crackdown", new SourcePosition(15, 13)),
                ("level == high", "urgent", new SourcePosition(17, 13)),
            ],
            action.Routes.Select(r => (r.ConditionText, r.To, r.Position)));
        Assert.Equal("normal", action.To);
        Assert.Equal(["crackdown", "urgent", "normal"], action.Targets);
        var first = Assert.IsType<Comparison>(action.Routes[0].Condition);
        Assert.Equal(("situations", ComparisonOperator.Contains), (first.Name, first.Operator));
    }

    [Fact]
    public void Read_PlainTo_HasNoRoutesAndItsOnlyTargetIsTo()
    {
        var action = TestFiles.DefaultFlow.GetStage("accepting").FindAction("fail")!;

        Assert.Empty(action.Routes);
        Assert.Equal(["rectifying"], action.Targets);
    }

    [Theory]
    [InlineData(new[] { "6" }, "high", "crackdown")]
    [InlineData(new[] { "6" }, null, "crackdown")]
    [InlineData(new[] { "5" }, "high", "urgent")]
    [InlineData(new string[0], "low", "normal")]
    [InlineData(new[] { "5", "60" }, null, "normal")]
    public void TargetFor_FirstMatchingRouteWins_ElseTheFallback(string[] situations, string? level, string expected)
    {
        var action = Routed.GetStage("open").FindAction("triage")!;
        var fields = level is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["level"] = level };

        var target = action.TargetFor(new ConditionFacts(fields, new HashSet<string>(situations, StringComparer.Ordinal)));

        Assert.Equal(expected, target);
    }

    [Fact]
    public void Read_ConditionalToWithoutElse_ReportsTheListLine()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - if: situations contains 6
                        then: crackdown
              - key: crackdown
                name: Crackdown
                terminal: true
            """);

        // The action cannot be kept without a fallback; what that causes (no way out of 'open') follows.
        Assert.Null(result.Definition);
        var error = result.Diagnostics[0];
        Assert.Equal((13, 11, "stages[open].actions[triage].to"), (error.Line, error.Column, error.Field));
        Assert.Contains("{else: stage}", error.Message, StringComparison.Ordinal);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }

    [Fact]
    public void Read_ElseNotLast_ReportsTheElseEntry()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - else: normal
                      - if: situations contains 6
                        then: crackdown
              - key: crackdown
                name: Crackdown
                terminal: true
              - key: normal
                name: Normal
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((13, 13, "stages[open].actions[triage].to[0]"), (error.Line, error.Column, error.Field));
        Assert.Contains("'else' must be the last entry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RouteEntryWithoutThen_ReportsTheEntry()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - { if: situations contains 6 }
                      - else: normal
              - key: normal
                name: Normal
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((13, 13, "stages[open].actions[triage].to[0]"), (error.Line, error.Column, error.Field));
        Assert.Contains("{if: condition, then: stage}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ConditionThatDoesNotParse_ReportsTheIfValueWithTheParsersProblem()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - if: situations = 6
                        then: crackdown
                      - else: normal
              - key: crackdown
                name: Crackdown
                terminal: true
              - key: normal
                name: Normal
                terminal: true
            """);

        Assert.Null(result.Definition);
        var error = result.Diagnostics[0];
        Assert.Equal((13, 17, "stages[open].actions[triage].to[0].if"), (error.Line, error.Column, error.Field));
        Assert.Equal("Cannot read the condition: unknown operator '='; write == or != (column 12).", error.Message);
        Assert.Contains("unknown operator '='", error.MessageZh, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RouteToMissingStage_ReportsTheRouteThen()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - if: situations contains 6
                        then: crackdwon
                      - else: normal
              - key: normal
                name: Normal
                terminal: true
            """);

        var error = SingleError(result);
        // Reported where the target is written.
        Assert.Equal((14, 19, "stages[open].actions[triage].to[0].then"), (error.Line, error.Column, error.Field));
        Assert.Contains("'crackdwon', which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ElseToMissingStage_ReportsTheActionTo()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    to:
                      - if: situations contains 6
                        then: crackdown
                      - else: nromal
              - key: crackdown
                name: Crackdown
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((15, 13, "stages[open].actions[triage].to"), (error.Line, error.Column, error.Field));
        Assert.Contains("'nromal'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ConditionNamingUndeclaredField_ReportsTheRouteIfNamingOnlyThatField()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: triage
                    name: Triage
                    roles: [county-admin]
                    fields:
                      - { key: level, name: Level }
                    to:
                      - { if: situations contains 6, then: normal }
                      - if: level == high or mayor is set
                        then: crackdown
                      - else: normal
              - key: crackdown
                name: Crackdown
                terminal: true
              - key: normal
                name: Normal
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((16, 13, "stages[open].actions[triage].to[1].if"), (error.Line, error.Column, error.Field));
        Assert.Contains("'mayor'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'level'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ConditionNamingFieldCollectedByAnotherStage_Loads()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: assess
                    name: Assess
                    roles: [county-admin]
                    to: deciding
                    fields:
                      - { key: score, name: Score, type: number }
              - key: deciding
                name: Deciding
                roles: [county-admin]
                actions:
                  - key: decide
                    name: Decide
                    roles: [county-admin]
                    to:
                      - { if: score >= 70, then: passed }
                      - else: failed
              - key: passed
                name: Passed
                terminal: true
              - key: failed
                name: Failed
                terminal: true
            """);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Read_StageReachedOnlyThroughARoute_IsNotUnreachable()
    {
        // 'crackdown' is the target of a route and of nothing else.
        var result = FlowReader.Read(Source, RoutedFlow);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain("crackdown", result.Definition!.Stages.SelectMany(s => s.Actions).Select(a => a.To));
    }

    [Fact]
    public void Decide_SituationsContainTheRoutedCode_MovesToTheRoutedStage()
    {
        var decision = FlowEngine.Decide(Routed, At(situations: ["3", "6"]), "triage", CountyAdmin, ActionInput.Empty);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("crackdown", allowed.To.Key);
    }

    [Fact]
    public void Decide_SituationsWithoutTheRoutedCode_MovesToTheElseStage()
    {
        var decision = FlowEngine.Decide(Routed, At(situations: ["3"]), "triage", CountyAdmin, ActionInput.Empty);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("normal", allowed.To.Key);
    }

    [Fact]
    public void Decide_FieldGivenWithTheAction_IsWhatTheRouteReads()
    {
        var input = new ActionInput(null, new Dictionary<string, string?> { ["level"] = " high " });

        var decision = FlowEngine.Decide(Routed, At(), "triage", CountyAdmin, input);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("urgent", allowed.To.Key);
        Assert.Equal([new FieldChange("level", null, "high")], allowed.Changes);
    }

    [Fact]
    public void Decide_FieldClearedWithTheAction_NoLongerMatchesTheRoute()
    {
        var state = At(fields: new Dictionary<string, string> { ["level"] = "high" });
        var input = new ActionInput(null, new Dictionary<string, string?> { ["level"] = "" });

        var decision = FlowEngine.Decide(Routed, state, "triage", CountyAdmin, input);

        Assert.Equal("normal", Assert.IsType<ActionDecision.Allowed>(decision).To.Key);
    }

    private static readonly FlowDefinition Routed = FlowReader.Read(Source, RoutedFlow).Definition
        ?? throw new InvalidOperationException("The routed flow does not load.");

    private static CaseState At(Dictionary<string, string>? fields = null, string[]? situations = null) =>
        new("open", fields ?? [], new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(situations ?? [], StringComparer.Ordinal));

    private static FlowDiagnostic SingleError(FlowReadResult result)
    {
        Assert.Null(result.Definition);
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        return error;
    }
}
