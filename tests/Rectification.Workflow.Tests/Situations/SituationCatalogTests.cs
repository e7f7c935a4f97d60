using Rectification.Workflow.Situations;

namespace Rectification.Workflow.Tests.Situations;

/// <summary>The catalogue of situations: the shipped one reads, and a broken one stops with the line at fault.</summary>
public sealed class SituationCatalogTests
{
    [Fact]
    public void Parse_ShippedCatalogue_HasTheTenNationalSituations()
    {
        var path = Path.Combine(TestFiles.RepositoryRoot(), "config", "situations.yaml");

        var catalog = SituationCatalog.Parse("situations.yaml", File.ReadAllText(path));

        Assert.Equal(Enumerable.Range(1, 10).Select(n => n.ToString()), catalog.All.Select(s => s.Code));
        Assert.All(catalog.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Text)));
        Assert.Equal("换届选举拉票贿选问题突出的", catalog.Find("5")?.Text);
        Assert.True(catalog.Contains("10"));
        Assert.False(catalog.Contains("11"));
    }

    [Fact]
    public void Parse_DuplicateCode_ThrowsNamingTheLine()
    {
        const string Yaml = """
            situations:
              - code: "1"
                text: 第一条
              - code: "1"
                text: 又一条
            """;

        var ex = Assert.Throws<FormatException>(() => SituationCatalog.Parse("situations.yaml", Yaml));

        Assert.StartsWith("situations.yaml:4:5:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'1' is used twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingText_ThrowsNamingTheLine()
    {
        const string Yaml = """
            situations:
              - code: "1"
                text: 第一条
              - code: "2"
              - code: "3"
                text: 第三条
            """;

        var ex = Assert.Throws<FormatException>(() => SituationCatalog.Parse("situations.yaml", Yaml));

        Assert.StartsWith("situations.yaml:4:5:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("needs a code and a text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BlankText_ThrowsNamingTheLine()
    {
        const string Yaml = """
            situations:
              - code: "1"
                text: "  "
            """;

        var ex = Assert.Throws<FormatException>(() => SituationCatalog.Parse("situations.yaml", Yaml));

        Assert.StartsWith("situations.yaml:2:5:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoSituationsList_Throws()
    {
        var ex = Assert.Throws<FormatException>(() => SituationCatalog.Parse("situations.yaml", "items: []"));

        Assert.StartsWith("situations.yaml:1:1:", ex.Message, StringComparison.Ordinal);
    }
}
