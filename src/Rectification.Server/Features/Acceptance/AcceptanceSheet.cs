using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Rectification.Server.Features.Acceptance;

/// <summary>An item of the score sheet and the points it is worth.</summary>
public sealed record SheetItem(string Key, string Name, decimal Points);

/// <summary>An area of the score sheet.</summary>
public sealed record SheetArea(string Key, string Name, IReadOnlyList<SheetItem> Items);

/// <summary>The acceptance score sheet (验收评分表) from <c>config/acceptance.yaml</c>: areas, items, points and the pass mark.</summary>
public sealed record AcceptanceSheet(decimal PassMark, IReadOnlyList<SheetArea> Areas)
{
    public IEnumerable<SheetItem> Items => Areas.SelectMany(a => a.Items);

    public decimal MaxTotal => Items.Sum(i => i.Points);

    /// <summary>Reads the sheet; any mistake stops the service with the line, since scores must not be mis-added.</summary>
    public static AcceptanceSheet Parse(string source, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        if (root is null)
        {
            throw new FormatException($"{source}:1:1: expected passMark and areas.");
        }

        var passMark = Number(root, "passMark", source);
        var areas = new List<SheetArea>();
        if (!root.Children.TryGetValue(new YamlScalarNode("areas"), out var areasNode) || areasNode is not YamlSequenceNode areaList)
        {
            throw new FormatException($"{source}:{root.Start.Line}:{root.Start.Column}: expected a list of areas.");
        }

        foreach (var area in areaList.OfType<YamlMappingNode>())
        {
            if (!area.Children.TryGetValue(new YamlScalarNode("items"), out var itemsNode) || itemsNode is not YamlSequenceNode itemList)
            {
                throw new FormatException($"{source}:{area.Start.Line}:{area.Start.Column}: an area needs items.");
            }

            var items = itemList.OfType<YamlMappingNode>().Select(i => new SheetItem(Text(i, "key", source), Text(i, "name", source), Number(i, "points", source))).ToList();
            areas.Add(new SheetArea(Text(area, "key", source), Text(area, "name", source), items));
        }

        var sheet = new AcceptanceSheet(passMark, areas);
        var duplicate = sheet.Items.GroupBy(i => i.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"{source}: item key '{duplicate.Key}' is used twice.");
        }

        if (sheet.Items.Any(i => i.Points <= 0) || passMark <= 0 || passMark > sheet.MaxTotal)
        {
            throw new FormatException($"{source}: points must be positive and the pass mark between 0 and the total ({sheet.MaxTotal}).");
        }

        return sheet;
    }

    private static string Text(YamlMappingNode node, string key, string source) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text }
            ? text
            : throw new FormatException($"{source}:{node.Start.Line}:{node.Start.Column}: '{key}' is required.");

    private static decimal Number(YamlMappingNode node, string key, string source) =>
        decimal.TryParse(Text(node, key, source), NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{source}:{node.Start.Line}:{node.Start.Column}: '{key}' must be a number.");
}
