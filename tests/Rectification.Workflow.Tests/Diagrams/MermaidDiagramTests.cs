using Rectification.Workflow.Definitions;
using Rectification.Workflow.Diagrams;

namespace Rectification.Workflow.Tests.Diagrams;

/// <summary>The diagram of every shipped flow is checked as exact text against a golden file beside this class,
/// so a change to a flow file shows up as a change to its diagram in review.</summary>
public sealed class MermaidDiagramTests
{
    public static TheoryData<string> FlowFiles() => new(TestFiles.WorkflowFileNames());

    [Fact]
    public void Write_EveryShippedFlowFile_HasAGoldenDiagramOfTheSameName()
    {
        var flows = TestFiles.WorkflowFileNames();
        var missing = flows.Where(f => !File.Exists(GoldenPath(f))).ToList();

        Assert.Contains("rectification.yaml", flows);
        Assert.True(missing.Count == 0,
            $"Add a golden diagram under tests/Rectification.Workflow.Tests/Diagrams for: {string.Join(", ", missing)}.");
    }

    [Theory]
    [MemberData(nameof(FlowFiles))]
    public void Write_ShippedFlow_MatchesGoldenDiagramExactly(string fileName)
    {
        var result = TestFiles.ReadWorkflow(fileName);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));

        var diagram = MermaidDiagram.Write(result.Definition!);

        Assert.Equal(File.ReadAllText(GoldenPath(fileName)), diagram);
    }

    [Fact]
    public void Write_DefaultFlow_HasAnEdgePerActionAndTimerAndEndsTerminalStages()
    {
        var flow = TestFiles.DefaultFlow;
        var lines = MermaidDiagram.Write(flow).Split('\n');

        Assert.Equal(
            flow.Stages.Sum(s => s.Actions.Count + s.Timers.Count) + 1 + flow.Stages.Count(s => s.Terminal),
            lines.Count(l => l.Contains(" --> ", StringComparison.Ordinal)));
        Assert.Contains("    [*] --> proposed", lines);
        Assert.Contains("    accepting --> rectifying: 验收不通过（回炉）", lines);
        Assert.Contains("    converted --> closed: ⏱ 跟踪问效期满 (12 months)", lines);
        Assert.Contains("    closed --> [*]", lines);
        Assert.Contains("    dismissed --> [*]", lines);
    }

    [Fact]
    public void Write_WithHighlightedStage_AppendsCurrentClassForThatStage()
    {
        var plain = MermaidDiagram.Write(TestFiles.DefaultFlow);

        var highlighted = MermaidDiagram.Write(TestFiles.DefaultFlow, "planning");

        Assert.Equal(
            plain
            + "    classDef current fill:#fde68a,stroke:#b45309,stroke-width:2px\n"
            + "    class planning current\n",
            highlighted);
    }

    [Fact]
    public void Write_WithHighlightedHyphenatedStage_UsesTheMermaidId()
    {
        var highlighted = MermaidDiagram.Write(TestFiles.DefaultFlow, "plan-review");

        Assert.EndsWith("    class plan_review current\n", highlighted, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_WithUnknownHighlightedStage_IsThePlainDiagram()
    {
        Assert.Equal(MermaidDiagram.Write(TestFiles.DefaultFlow), MermaidDiagram.Write(TestFiles.DefaultFlow, "no-such-stage"));
    }

    [Fact]
    public void Write_NamesWithQuotesColonsAndNewlines_AreEscaped()
    {
        var flow = FlowReader.Read("escapes.yaml", """
            key: escapes
            name: Escapes
            start: open
            stages:
              - key: open
                name: 'Say "open"'
                actions:
                  - key: close
                    name: "Close: now\nplease"
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """).Definition!;

        Assert.Equal(
            """
            stateDiagram-v2
                state "Say 'open'" as open
                state "Closed" as closed
                [*] --> open
                open --> closed: Close： now please
                closed --> [*]

            """.ReplaceLineEndings("\n"),
            MermaidDiagram.Write(flow));
    }

    [Fact]
    public void Write_FlowWithConditionalRoutes_DrawsAnEdgePerRouteWithItsConditionThenTheElseEdge()
    {
        var flow = FlowReader.Read("routes.yaml", """
            key: routes
            name: Routes
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
                        then: fast-track
                      - if: level == "very high"
                        then: urgent
                      - else: normal
              - key: fast-track
                name: Fast track
                terminal: true
              - key: urgent
                name: Urgent
                terminal: true
              - key: normal
                name: Normal
                terminal: true
            """).Definition!;

        Assert.Equal(
            """
            stateDiagram-v2
                state "Open" as open
                state "Fast track" as fast_track
                state "Urgent" as urgent
                state "Normal" as normal
                [*] --> open
                open --> fast_track: Triage [situations contains 6]
                open --> urgent: Triage [level == 'very high']
                open --> normal: Triage [else]
                fast_track --> [*]
                urgent --> [*]
                normal --> [*]

            """.ReplaceLineEndings("\n"),
            MermaidDiagram.Write(flow));
    }

    private static string GoldenPath(string flowFileName) =>
        Path.Combine(TestFiles.DiagramsFolder, Path.ChangeExtension(flowFileName, ".mmd"));
}
