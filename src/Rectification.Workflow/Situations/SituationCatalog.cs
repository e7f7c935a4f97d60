using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rectification.Workflow.Situations;

/// <summary>One defining situation (情形) of a soft or lax branch.</summary>
public sealed record Situation(string Code, string Text);

/// <summary>The catalogue of situations in force; configuration, since it changes by year and province.</summary>
public sealed class SituationCatalog
{
    private readonly Dictionary<string, Situation> _byCode;

    public SituationCatalog(IEnumerable<Situation> situations)
    {
        All = situations.ToList();
        _byCode = All.ToDictionary(s => s.Code, StringComparer.Ordinal);
    }

    public IReadOnlyList<Situation> All { get; }

    public bool Contains(string code) => _byCode.ContainsKey(code);

    public Situation? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>Reads <c>situations: [{code, text}]</c>; throws with the line on any mistake, since a bad
    /// catalogue must stop the service rather than mislabel cases.</summary>
    public static SituationCatalog Parse(string source, string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some malformed input (e.g. an unclosed '[') without a position.
            throw new FormatException($"{source}: YAML syntax error: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("situations"), out var list) || list is not YamlSequenceNode items)
        {
            throw new FormatException($"{source}:1:1: expected 'situations:' with a list of {{code, text}}.");
        }

        var situations = new List<Situation>();
        foreach (var item in items)
        {
            var map = item as YamlMappingNode;
            var code = map is not null && map.Children.TryGetValue(new YamlScalarNode("code"), out var c) ? (c as YamlScalarNode)?.Value : null;
            var text = map is not null && map.Children.TryGetValue(new YamlScalarNode("text"), out var t) ? (t as YamlScalarNode)?.Value : null;
            if (string.IsNullOrWhiteSpace(code) || string.IsNullOrWhiteSpace(text))
            {
                throw new FormatException($"{source}:{item.Start.Line}:{item.Start.Column}: each situation needs a code and a text.");
            }

            if (situations.Any(s => s.Code == code))
            {
                throw new FormatException($"{source}:{item.Start.Line}:{item.Start.Column}: situation code '{code}' is used twice.");
            }

            situations.Add(new Situation(code, text));
        }

        return new SituationCatalog(situations);
    }
}
