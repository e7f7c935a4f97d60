using System.Text.RegularExpressions;
using System.Xml.Linq;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Diagrams;

namespace Rectification.Workflow.Tests.Diagrams;

/// <summary>The self-contained SVG drawing of a flow: exact text against a golden file beside this class for the
/// shipped flow, and the properties every drawing has (well-formed, escaped, offline, one group per stage).</summary>
public sealed class SvgDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static TheoryData<string> FlowFiles() => new(TestFiles.WorkflowFileNames());

    [Theory]
    [MemberData(nameof(FlowFiles))]
    public void Write_ShippedFlow_MatchesGoldenSvgExactly(string fileName)
    {
        var result = TestFiles.ReadWorkflow(fileName);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));

        var svg = SvgDiagram.Write(result.Definition!);

        Assert.Equal(File.ReadAllText(GoldenPath(fileName)), svg);
    }

    [Fact]
    public void Write_DefaultFlow_IsWellFormedSvgWithOneGroupPerStageInOrder()
    {
        var document = XDocument.Parse(SvgDiagram.Write(TestFiles.DefaultFlow));

        Assert.Equal(Svg + "svg", document.Root!.Name);
        Assert.Equal("软弱涣散村党组织整顿", document.Root.Element(Svg + "title")?.Value);
        var groups = document.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("id"))?.StartsWith("stage-", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(TestFiles.DefaultFlow.Stages.Select(s => "stage-" + s.Key), groups.Select(g => (string?)g.Attribute("id")));
        Assert.Equal(TestFiles.DefaultFlow.Stages.Select(s => s.Name), groups.Select(g => g.Element(Svg + "text")?.Value));
    }

    [Fact]
    public void Write_DefaultFlow_DrawsAnArrowPerActionAndTimerAndOneIntoTheStart()
    {
        var flow = TestFiles.DefaultFlow;
        var document = XDocument.Parse(SvgDiagram.Write(flow));

        var arrows = document.Descendants().Where(e => (string?)e.Attribute("marker-end") == "url(#arrow)").ToList();

        Assert.Equal(flow.Stages.Sum(s => s.Actions.Count + s.Timers.Count) + 1, arrows.Count);
        // Only the timer is dashed; the two loops back (退回修改, 回炉) are curves.
        Assert.Single(arrows, a => a.Attribute("stroke-dasharray") is not null);
        Assert.Equal(2, arrows.Count(a => a.Name == Svg + "path"));
        var labels = document.Root!.Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("验收不通过（回炉）", labels);
        Assert.Contains("定时：跟踪问效期满 (12 months)", labels);
    }

    [Fact]
    public void Write_WithHighlightedStage_MarksOnlyThatStageCurrent()
    {
        var document = XDocument.Parse(SvgDiagram.Write(TestFiles.DefaultFlow, "plan-review"));

        var current = Assert.Single(document.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "current");
        Assert.Equal("stage-plan-review", (string?)current.Attribute("id"));
        Assert.Equal("#fde68a", (string?)current.Element(Svg + "rect")?.Attribute("fill"));
    }

    [Fact]
    public void Write_WithUnknownHighlightedStage_IsThePlainDrawing()
    {
        Assert.Equal(SvgDiagram.Write(TestFiles.DefaultFlow), SvgDiagram.Write(TestFiles.DefaultFlow, "no-such-stage"));
        Assert.DoesNotContain("class=\"current\"", SvgDiagram.Write(TestFiles.DefaultFlow), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NamesWithMarkupCharacters_AreEscaped()
    {
        var flow = FlowReader.Read("escapes.yaml", """
            key: escapes
            name: 'A <b> & "c"'
            start: open
            stages:
              - key: open
                name: 'Say "open" & <close>'
                actions:
                  - key: close
                    name: "It's <done> & dusted"
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """).Definition!;

        var svg = SvgDiagram.Write(flow);

        Assert.Contains("<title>A &lt;b&gt; &amp; &quot;c&quot;</title>", svg, StringComparison.Ordinal);
        Assert.Contains(">Say &quot;open&quot; &amp; &lt;close&gt;</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">It&apos;s &lt;done&gt; &amp; dusted</text>", svg, StringComparison.Ordinal);
        var document = XDocument.Parse(svg);
        Assert.Equal("A <b> & \"c\"", document.Root!.Element(Svg + "title")?.Value);
        Assert.Contains("Say \"open\" & <close>", document.Descendants(Svg + "text").Select(t => t.Value));
        Assert.Contains("It's <done> & dusted", document.Descendants(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void Write_DefaultFlow_ReferencesNothingOutsideTheFile()
    {
        var svg = SvgDiagram.Write(TestFiles.DefaultFlow, "planning");

        // The only URL is the SVG namespace, which is a name, not a download.
        Assert.Equal(["http://www.w3.org/2000/svg"], Regex.Matches(svg, "(?i)https?:[^\"'\\s<>)]*").Select(m => m.Value));
        Assert.All(Regex.Matches(svg, @"url\([^)]*\)").Select(m => m.Value), u => Assert.Equal("url(#arrow)", u));
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<image", svg, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Write_FlowWithConditionalRoute_LabelsEachRouteWithItsConditionAndTheFallbackWithElse()
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
                      - { key: score, name: Score, type: number }
                    to:
                      - { if: situations contains 6, then: crackdown }
                      - { if: score >= 70, then: fast-track }
                      - else: normal
              - key: crackdown
                name: Crackdown
                terminal: true
              - key: fast-track
                name: Fast track
                terminal: true
              - key: normal
                name: Normal
                terminal: true
            """).Definition!;

        var svg = SvgDiagram.Write(flow);

        Assert.Contains(">Triage [score &gt;= 70]</text>", svg, StringComparison.Ordinal);
        var document = XDocument.Parse(svg);
        var labels = document.Root!.Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Equal(["Triage [situations contains 6]", "Triage [score >= 70]", "Triage [else]"], labels);
        // One arrow per target, each ending at the top of its stage's box.
        var boxes = document.Descendants(Svg + "g").ToDictionary(g => (string)g.Attribute("id")!, g => g.Element(Svg + "rect")!);
        var lines = document.Root.Elements(Svg + "line").Skip(1).ToList();
        string[] targets = ["stage-crackdown", "stage-fast-track", "stage-normal"];
        Assert.Equal(targets.Select(id => (string?)boxes[id].Attribute("y")), lines.Select(l => (string?)l.Attribute("y2")));
        Assert.Equal(targets.Select(id => CenterX(boxes[id])), lines.Select(l => (int)l.Attribute("x2")!));
    }

    private static int CenterX(XElement rect) => (int)rect.Attribute("x")! + ((int)rect.Attribute("width")! / 2);

    private static string GoldenPath(string flowFileName) =>
        Path.Combine(TestFiles.DiagramsFolder, Path.ChangeExtension(flowFileName, ".svg"));
}
