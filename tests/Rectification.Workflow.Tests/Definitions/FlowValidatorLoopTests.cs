using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>Loops of stages none of which has a deadline or a timer are a warning: the flow loads, but a case could
/// circle there unnoticed. Loops with a clock on any stage (the shipped 退回/回炉 loops) are fine.</summary>
public sealed class FlowValidatorLoopTests
{
    private const string Source = "loops.yaml";

    [Fact]
    public void Read_TwoStageLoopWithoutDeadlines_WarnsOnceNamingBothStagesAndLoads()
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
                  - key: send
                    name: Send
                    roles: [county-admin]
                    to: review
              - key: review
                name: Review
                roles: [county-admin]
                actions:
                  - key: back
                    name: Back
                    roles: [county-admin]
                    to: open
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal((5, 5, "stages[open]"), (warning.Line, warning.Column, warning.Field));
        Assert.Contains("Stages open → review form a loop with no deadline", warning.Message, StringComparison.Ordinal);
        Assert.Contains("open → review", warning.MessageZh, StringComparison.Ordinal);
        Assert.True(result.Succeeded);
        Assert.Empty(result.Errors);
        Assert.Equal(["open", "review", "closed"], result.Definition!.Stages.Select(s => s.Key));
    }

    [Fact]
    public void Read_SameLoopWithADeadlineOnOneStage_HasNoWarning()
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
                  - key: send
                    name: Send
                    roles: [county-admin]
                    to: review
              - key: review
                name: Review
                roles: [county-admin]
                deadline: 10 working days
                actions:
                  - key: back
                    name: Back
                    roles: [county-admin]
                    to: open
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Read_SameLoopWithATimerOnOneStage_HasNoWarning()
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
                  - key: send
                    name: Send
                    roles: [county-admin]
                    to: review
              - key: review
                name: Review
                roles: [county-admin]
                actions:
                  - key: back
                    name: Back
                    roles: [county-admin]
                    to: open
                timers:
                  - { key: expire, name: Expire, after: 30 days, to: closed }
              - key: closed
                name: Closed
                terminal: true
            """);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Read_ActionBackToItsOwnStageWithoutDeadline_WarnsNamingTheStage()
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
                  - key: again
                    name: Again
                    roles: [county-admin]
                    to: open
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, 5, "stages[open]"), (warning.Severity, warning.Line, warning.Field));
        Assert.Contains("Stages open form a loop", warning.Message, StringComparison.Ordinal);
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Read_LoopClosedThroughAConditionalRoute_Warns()
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
                      - { if: situations contains 6, then: review }
                      - else: closed
              - key: review
                name: Review
                roles: [county-admin]
                actions:
                  - key: back
                    name: Back
                    roles: [county-admin]
                    to: open
              - key: closed
                name: Closed
                terminal: true
            """);

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, "stages[open]"), (warning.Severity, warning.Field));
        Assert.Contains("open → review", warning.Message, StringComparison.Ordinal);
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Read_TwoSeparateLoopsWithoutDeadlines_WarnsOncePerLoop()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: a
            stages:
              - key: a
                name: A
                roles: [county-admin]
                actions:
                  - { key: next, name: Next, roles: [county-admin], to: b }
              - key: b
                name: B
                roles: [county-admin]
                actions:
                  - { key: back, name: Back, roles: [county-admin], to: a }
                  - { key: on, name: On, roles: [county-admin], to: c }
              - key: c
                name: C
                roles: [county-admin]
                actions:
                  - { key: next, name: Next, roles: [county-admin], to: d }
              - key: d
                name: D
                roles: [county-admin]
                actions:
                  - { key: back, name: Back, roles: [county-admin], to: c }
                  - { key: done, name: Done, roles: [county-admin], to: e }
              - key: e
                name: E
                terminal: true
            """);

        Assert.True(result.Succeeded);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        var warnings = result.Diagnostics.OrderBy(d => d.Line).ToList();
        Assert.Equal([("stages[a]", 5), ("stages[c]", 16)], warnings.Select(d => (d.Field, d.Line)));
        Assert.Contains("Stages a → b form a loop", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("Stages c → d form a loop", warnings[1].Message, StringComparison.Ordinal);
    }
}
