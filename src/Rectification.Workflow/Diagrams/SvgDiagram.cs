using System.Globalization;
using System.Security;
using System.Text;
using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Diagrams;

/// <summary>Draws a flow as a self-contained SVG, laid out by the service itself (no renderer, no fonts or scripts
/// from outside): stages in rows by their distance from the start, forward transitions as straight arrows, loops
/// back (回炉, 退回) as curves on the right.</summary>
public static class SvgDiagram
{
    private const int RowHeight = 110;
    private const int BoxHeight = 44;
    private const int Gap = 60;
    private const int Margin = 40;

    public static string Write(FlowDefinition flow, string? highlightStage = null)
    {
        var ranks = Rank(flow);
        var boxes = Layout(flow, ranks);
        var edges = Edges(flow).ToList();
        var right = boxes.Values.Max(b => b.X + b.Width);
        var loopLanes = edges.Count(e => ranks[e.To] <= ranks[e.From]);
        var widestLabel = edges.Count == 0 ? 0 : edges.Max(e => TextWidth(e.Label, 12));
        var width = right + Margin + 40 + (loopLanes * 26) + widestLabel + 20;
        var height = Margin + 30 + ((ranks.Values.Max() + 1) * RowHeight);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"14\">\n");
        svg.Append($"<title>{Escape(flow.Name)}</title>\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
                   + "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#374151\"/></marker></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");

        var start = boxes[flow.Start];
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{start.CenterX}\" cy=\"{start.Y - 30}\" r=\"7\" fill=\"#374151\"/>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{start.CenterX}\" y1=\"{start.Y - 23}\" x2=\"{start.CenterX}\" y2=\"{start.Y}\" stroke=\"#374151\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n");

        var lane = 0;
        foreach (var edge in edges)
        {
            var from = boxes[edge.From];
            var to = boxes[edge.To];
            if (ranks[edge.To] > ranks[edge.From])
            {
                var (x1, y1, x2, y2) = (from.CenterX, from.Y + BoxHeight, to.CenterX, to.Y);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#374151\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"{Dash(edge)}/>\n");
                // Straight down: beside the middle of the line. Slanted: near the target end, clear of the start
                // where the lines of one stage meet.
                var (lx, ly) = x1 == x2 ? (x1 + 6, ((y1 + y2) / 2) + 4) : (x1 + ((x2 - x1) * 3 / 4) + 6, y1 + ((y2 - y1) * 3 / 4));
                Label(svg, lx, ly, edge.Label, "start");
            }
            else
            {
                // Back and sideways transitions leave from the right edge and come round in a lane of their own;
                // the label sits beside the curve's outermost point.
                var x = right + 40 + (lane++ * 26);
                var (y1, y2) = (from.Y + (BoxHeight / 2), to.Y + (BoxHeight / 2));
                svg.Append(CultureInfo.InvariantCulture,
                    $"<path d=\"M {from.X + from.Width} {y1} C {x} {y1}, {x} {y2}, {to.X + to.Width} {y2}\" fill=\"none\" stroke=\"#374151\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"{Dash(edge)}/>\n");
                var outermost = ((from.X + from.Width + to.X + to.Width) / 8) + (x * 3 / 4);
                Label(svg, outermost + 6, ((y1 + y2) / 2) + 4, edge.Label, "start");
            }
        }

        foreach (var stage in flow.Stages)
        {
            var box = boxes[stage.Key];
            var current = stage.Key == highlightStage;
            var (fill, stroke, strokeWidth) = current ? ("#fde68a", "#b45309", 3) : stage.Terminal ? ("#e5e7eb", "#4b5563", 1) : ("#eff6ff", "#1d4ed8", 1);
            var radius = stage.Terminal ? 22 : 6;
            svg.Append(CultureInfo.InvariantCulture,
                $"<g id=\"stage-{Escape(stage.Key)}\"{(current ? " class=\"current\"" : "")}><rect x=\"{box.X}\" y=\"{box.Y}\" width=\"{box.Width}\" height=\"{BoxHeight}\" rx=\"{radius}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{strokeWidth}\"/>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{box.CenterX}\" y=\"{box.Y + 28}\" text-anchor=\"middle\" fill=\"#111827\">{Escape(stage.Name)}</text></g>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Dash(Edge edge) => edge.IsTimer ? " stroke-dasharray=\"6 4\"" : "";

    // A white halo keeps a label readable where it crosses a line.
    private static void Label(StringBuilder svg, int x, int y, string text, string anchor) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#374151\" stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\">{Escape(text)}</text>\n");

    private static IEnumerable<Edge> Edges(FlowDefinition flow)
    {
        foreach (var stage in flow.Stages)
        {
            foreach (var action in stage.Actions)
            {
                foreach (var route in action.Routes)
                {
                    yield return new Edge(stage.Key, route.To, $"{action.Name} [{route.ConditionText}]", false);
                }

                yield return new Edge(stage.Key, action.To, action.Routes.Count > 0 ? $"{action.Name} [else]" : action.Name, false);
            }

            foreach (var timer in stage.Timers)
            {
                // Spelled out rather than an emoji: county machines may have no font with one.
                yield return new Edge(stage.Key, timer.To, $"定时：{timer.Name} ({timer.After})", true);
            }
        }
    }

    /// <summary>Each stage's row: its distance from the start; stages the start cannot reach go below the rest.</summary>
    private static Dictionary<string, int> Rank(FlowDefinition flow)
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal) { [flow.Start] = 0 };
        var queue = new Queue<string>([flow.Start]);
        while (queue.Count > 0)
        {
            var key = queue.Dequeue();
            var stage = flow.GetStage(key);
            foreach (var next in stage.Actions.SelectMany(a => a.Targets).Concat(stage.Timers.Select(t => t.To)))
            {
                if (flow.FindStage(next) is not null && ranks.TryAdd(next, ranks[key] + 1))
                {
                    queue.Enqueue(next);
                }
            }
        }

        var last = ranks.Values.Max();
        foreach (var stage in flow.Stages.Where(s => !ranks.ContainsKey(s.Key)))
        {
            ranks[stage.Key] = ++last;
        }

        return ranks;
    }

    private static Dictionary<string, Box> Layout(FlowDefinition flow, Dictionary<string, int> ranks)
    {
        var boxes = new Dictionary<string, Box>(StringComparer.Ordinal);
        foreach (var row in flow.Stages.GroupBy(s => ranks[s.Key]).OrderBy(g => g.Key))
        {
            var x = Margin;
            foreach (var stage in row)
            {
                var width = Math.Max(140, TextWidth(stage.Name, 14) + 32);
                boxes[stage.Key] = new Box(x, Margin + 30 + (row.Key * RowHeight), width);
                x += width + Gap;
            }
        }

        return boxes;
    }

    // Rough widths: CJK characters are square, Latin ones a little over half as wide.
    private static int TextWidth(string text, int size) => text.Sum(c => c > 0x2E80 ? size : (size * 4 / 7) + 1);

    // XML 1.0 has no place for control characters (a quoted YAML string can hold them): they are dropped.
    private static string Escape(string text) =>
        SecurityElement.Escape(new string(text.Where(c => c is '\t' or '\n' or '\r' || (!char.IsControl(c) && !char.IsSurrogate(c) && c is not ('\uFFFE' or '\uFFFF'))).ToArray()));

    private sealed record Edge(string From, string To, string Label, bool IsTimer);

    private sealed record Box(int X, int Y, int Width)
    {
        public int CenterX => X + (Width / 2);
    }
}
