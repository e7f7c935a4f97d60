using System.Text.Json;

namespace Rectification.Server.Tests.Browser;

/// <summary>The main screens of each group pass axe-core's WCAG 2.1 A/AA rules (labels, names, contrast among them),
/// load their own stylesheet, and ask nothing of any host but the service itself.</summary>
[Collection(SharedChromium.Name)]
public sealed class AccessibilityTests(Chromium chromium, BrowserApp app) : BrowserTest(chromium, app), IClassFixture<BrowserApp>
{
    private static readonly string AxePath = Path.Combine(Chromium.RepositoryRoot, "tests", "a11y", "node_modules", "axe-core", "axe.min.js");

    public static TheoryData<string, string[]> Screens => new()
    {
        { "township-secretary", ["/", "/cases", "/cases/{东兴村}", "/ledger", "/dashboard", "/alerts"] },
        { "inspector", ["/", "/ledger?status=open", "/cases/{沿江村}"] },
        { "county-admin", ["/", "/cases/{胜利村}", "/cases/{江南村}", "/dashboard", "/dispatch", "/flows", "/flows/rectification", "/flows/rectification/migrate"] },
        { "city-viewer", ["/dashboard", "/cases", "/ledger"] },
    };

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task MainScreens_PassAxe_AndLoadNothingFromElsewhere(string user, string[] paths)
    {
        Assert.True(File.Exists(AxePath), $"{AxePath} is missing: run tests/run.sh, which installs axe-core from npm (tests/a11y).");
        var axe = await File.ReadAllTextAsync(AxePath);
        // axe is injected by the test; the service's own policy forbids any script it did not serve.
        var page = await SignInAsync(user, bypassCsp: true, test: $"{nameof(MainScreens_PassAxe_AndLoadNothingFromElsewhere)}-{user}");
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(App.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };

        var findings = new List<string>();
        foreach (var template in paths.Prepend("/login?probe=1"))
        {
            var path = await ResolveAsync(template);
            var response = await page.GotoAsync(path);
            Assert.True(response!.Ok, $"{path}: {response.Status}");
            Assert.Equal("rgb(185, 28, 28)", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.top')).backgroundColor"));
            // Collapsed sections (the diagram, the line view) are checked open too.
            await page.EvaluateAsync("() => document.querySelectorAll('details').forEach(d => d.open = true)");
            await page.EvaluateAsync(axe);
            var result = await page.EvaluateAsync<JsonElement>(
                "async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations" +
                ".map(v => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')) }))");
            // Every screen checked is left for a person to look at too, not only the last.
            Directory.CreateDirectory(Chromium.Screenshots);
            var name = string.Concat(path.Select(c => char.IsLetterOrDigit(c) ? c : '_')).Trim('_');
            var file = $"screen-{user}-{(name.Length == 0 ? "home" : name)}.png";
            await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, file), FullPage = true });
            findings.AddRange(result.EnumerateArray().Select(v => $"{path}: {v.GetProperty("id")} ({v.GetProperty("help")}): {v.GetProperty("nodes")}"));
        }

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
        Assert.Empty(elsewhere);
    }

    private async Task<string> ResolveAsync(string template)
    {
        var open = template.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return template;
        }

        var close = template.IndexOf('}', open);
        return template[..open] + await CaseIdAsync(template[(open + 1)..close]) + template[(close + 1)..];
    }
}
