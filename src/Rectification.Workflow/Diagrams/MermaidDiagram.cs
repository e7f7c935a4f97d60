using System.Text;
using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Diagrams;

/// <summary>Writes a flow as a Mermaid state diagram, optionally highlighting one stage.</summary>
public static class MermaidDiagram
{
    public static string Write(FlowDefinition flow, string? highlightStage = null)
    {
        var text = new StringBuilder();
        text.Append("stateDiagram-v2\n");
        foreach (var stage in flow.Stages)
        {
            text.Append($"    state \"{Escape(stage.Name)}\" as {Id(stage.Key)}\n");
        }

        text.Append($"    [*] --> {Id(flow.Start)}\n");
        foreach (var stage in flow.Stages)
        {
            foreach (var action in stage.Actions)
            {
                foreach (var route in action.Routes)
                {
                    text.Append($"    {Id(stage.Key)} --> {Id(route.To)}: {Escape(action.Name)} [{Escape(route.ConditionText)}]\n");
                }

                var otherwise = action.Routes.Count > 0 ? " [else]" : "";
                text.Append($"    {Id(stage.Key)} --> {Id(action.To)}: {Escape(action.Name)}{otherwise}\n");
            }

            foreach (var timer in stage.Timers)
            {
                text.Append($"    {Id(stage.Key)} --> {Id(timer.To)}: ⏱ {Escape(timer.Name)} ({timer.After})\n");
            }

            if (stage.Terminal)
            {
                text.Append($"    {Id(stage.Key)} --> [*]\n");
            }
        }

        if (highlightStage is not null && flow.FindStage(highlightStage) is not null)
        {
            text.Append("    classDef current fill:#fde68a,stroke:#b45309,stroke-width:2px\n");
            text.Append($"    class {Id(highlightStage)} current\n");
        }

        return text.ToString();
    }

    // Mermaid state ids cannot hold '-'; stage keys do.
    private static string Id(string key) => key.Replace('-', '_');

    // One line per statement: line breaks of any kind and control characters become spaces.
    private static string Escape(string text) =>
        new(text.Replace("\"", "'").Replace(":", "：").Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c).ToArray());
}
