using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MiniExcelLibs;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Infrastructure;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Formula injection: text typed into the service (names of units and people, plan problems and measures, case
/// fields, feedback, reports, flow stage names) goes out in the ledger and dispatch workbooks, and none of it may come
/// out as a formula or as text Excel turns into one when the cell is edited.</summary>
public sealed class HostileExportTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    /// <summary>Each begins with a character Excel takes as the start of a formula: = + - @, tab, carriage return, and the
    /// full-width forms an input method in Chinese mode types.</summary>
    private static readonly string[] Formulas =
    [
        "=HYPERLINK(\"http://evil.example/\",\"点此查看\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1", "\r=1+1", "＝1+1", "＋1+1", "－1+1", "＠SUM(1)",
    ];

    private static readonly char[] Triggers = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("＝1+1", "'＝1+1")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("-", "'-")]
    [InlineData("包村领导 = 吴敏", "包村领导 = 吴敏")]
    [InlineData("'=1", "'=1")]
    [InlineData("", "")]
    [InlineData(null, null)]
    public void Safe_PrefixesOnlyTextStartingAsAFormula(string? text, string? expected) => Assert.Equal(expected, ExcelText.Safe(text));

    [Fact]
    public async Task EveryUserTypedField_ExportedToTheLedgerAndDispatchWorkbooks_IsNeverAFormula()
    {
        await DatabaseFingerprint.QuietAsync(app); // the test sweeps itself, once the clock has moved
        var typed = new Dictionary<int, string>();
        string Hostile(int i)
        {
            var text = Formulas[i % Formulas.Length] + $" #{i}";
            typed[i] = text;
            return text;
        }

        using var admin = await app.ClientForAsync("county-admin");
        var county = await app.OrgIdAsync("丰满区");
        var township = (await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = county, code = "220211999", name = Hostile(0) })).ExpectAsync(HttpStatusCode.Created)).Id();
        var village = (await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = township, code = "220211999001", name = Hostile(1) })).ExpectAsync(HttpStatusCode.Created)).Id();
        foreach (var (user, role, org, name) in new[] { ("hostile-secretary", "township-secretary", township, Hostile(2)), ("hostile-inspector", "inspector", county, Hostile(3)) })
        {
            await (await admin.PostAsJsonAsync("/api/v1/users", new { username = user, displayName = name, password = "Demo@2026", orgUnitId = org, roles = new[] { role } }))
                .ExpectAsync(HttpStatusCode.Created);
        }

        // A county flow whose first stage has a hostile name, for the dispatch's cases-by-stage sheet.
        var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "workflows", "rectification.yaml"));
        var stageName = "=HYPERLINK(\"http://evil.example/\",\"阶段\")";
        var renamed = yaml.Replace("name: 拟列入", $"name: {JsonSerializer.Serialize(stageName)}", StringComparison.Ordinal);
        Assert.NotEqual(yaml, renamed);
        using (var flow = new StringContent(renamed, Encoding.UTF8, "application/yaml"))
        {
            var draft = await (await admin.PostAsync("/api/v1/workflows", flow)).ExpectAsync(HttpStatusCode.Created);
            await (await admin.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null)).ExpectAsync(HttpStatusCode.Created);
        }

        using var secretary = await app.ClientForAsync("hostile-secretary");
        using var inspector = await app.ClientForAsync("hostile-inspector");
        var waiting = (await admin.ProposeAsync((await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = township, code = "220211999002", name = Hostile(5) }))
            .ExpectAsync(HttpStatusCode.Created)).Id(), "1")).Id();
        var id = (await (await admin.PostAsJsonAsync("/api/v1/cases", new { villageId = village, year = 2026, situations = new[] { "1", "7" }, source = "township-report", note = Hostile(6) }))
            .ExpectAsync(HttpStatusCode.Created)).Id();
        await admin.ActOkAsync(id, "confirm");
        await admin.ActOkAsync(id, "assign", new { comment = Hostile(7), fields = new { countyLeader = Hostile(8), townshipMember = Hostile(9), firstSecretary = Hostile(10), pairedDepartment = Hostile(11) } });
        var plan = new
        {
            problems = new[] { "1", "7" }.Select((situation, n) => new
            {
                description = Hostile(12 + n),
                situations = new[] { situation },
                measures = new[] { new { measure = Hostile(14 + n), target = Hostile(16 + n), townshipResponsible = Hostile(18 + n), villageResponsible = Hostile(20 + n), deadline = "2026-06-30" } },
            }),
        };
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{id}/plan") { Content = JsonContent.Create(plan) })
        {
            put.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{(await admin.GetCaseAsync(id)).Version()}\""));
            await (await secretary.SendAsync(put)).ExpectAsync(HttpStatusCode.OK);
        }

        await secretary.ActOkAsync(id, "submit-plan", new { comment = Hostile(22) });
        await admin.ActOkAsync(id, "approve-plan", new { comment = Hostile(23) });
        await (await inspector.PostAsJsonAsync($"/api/v1/cases/{id}/feedback", new
        {
            visit = Hostile(24),
            problems = new[] { new { problem = Hostile(25), measure = Hostile(26), situations = new[] { "7" }, townshipResponsible = Hostile(27), villageResponsible = Hostile(28), deadline = "2026-05-31" } },
        })).ExpectAsync(HttpStatusCode.Created);
        var items = await admin.LedgerItemsAsync(id);
        Assert.Equal(3, items.Count);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{items[0]}/report", new { note = Hostile(29) })).ExpectAsync(HttpStatusCode.OK);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{items[0]}/tick", new { method = "查看资料", note = Hostile(30) })).ExpectAsync(HttpStatusCode.OK);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{items[1]}/report", new { note = Hostile(31) })).ExpectAsync(HttpStatusCode.OK);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{items[1]}/reopen", new { reason = Hostile(32) })).ExpectAsync(HttpStatusCode.OK);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{items[2]}/extensions", new { deadline = "2026-07-31", reason = Hostile(33) })).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostAsJsonAsync("/api/v1/accountability", new { caseId = id, person = Hostile(34), kind = "约谈", ground = "推进工作不力", items = new[] { items[1] }, note = Hostile(35) }))
            .ExpectAsync(HttpStatusCode.Created);

        var ledger = await (await admin.GetAsync("/api/v1/ledger/export.xlsx")).Content.ReadAsByteArrayAsync();
        var ledgerCells = AssertNoFormula(ledger);

        // A week on, the dispatch ranks the hostile township and counts the case waiting in the hostile stage.
        app.Clock.Advance(TimeSpan.FromDays(7));
        app.ForgetTokens();
        await app.Services.GetRequiredService<Features.Timers.Sweep>().RunAsync(CancellationToken.None);
        using var county2 = await app.ClientForAsync("county-admin");
        var dispatch = await (await county2.GetAsync("/api/v1/dispatch/latest")).ExpectAsync(HttpStatusCode.OK);
        var dispatchCells = AssertNoFormula(await (await county2.GetAsync($"/api/v1/dispatch/{dispatch.Id()}/export.xlsx")).Content.ReadAsByteArrayAsync());
        Assert.NotEqual(0, waiting);

        // What was typed is there, kept as text behind an apostrophe: the ledger carries the names, the case fields, the
        // plan and the feedback; the dispatch the township and the stage.
        foreach (var text in new[] { typed[0], typed[1], typed[8], typed[10], typed[11], typed[12], typed[14], typed[18], typed[20], typed[25], typed[26], typed[27], typed[28] })
        {
            // Stored as typed, or trimmed where the service trims.
            Assert.True(ledgerCells.Contains("'" + text) || ledgerCells.Contains("'" + text.Trim()), $"Not in the ledger workbook: {text}");
        }

        Assert.Contains("'" + typed[0], dispatchCells);
        Assert.Contains("'" + stageName, dispatchCells);
    }

    /// <summary>Every cell of every sheet: none holds a formula, none reads as the start of one. Returns the cells' text.</summary>
    private static HashSet<string> AssertNoFormula(byte[] workbook)
    {
        using (var zip = new ZipArchive(new MemoryStream(workbook)))
        {
            foreach (var sheet in zip.Entries.Where(e => e.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal) && e.FullName.EndsWith(".xml", StringComparison.Ordinal)))
            {
                using var reader = new StreamReader(sheet.Open());
                var xml = reader.ReadToEnd();
                Assert.DoesNotContain("<f>", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<f ", xml, StringComparison.Ordinal);
            }
        }

        var cells = new HashSet<string>(StringComparer.Ordinal);
        using var stream = new MemoryStream(workbook);
        foreach (var name in MiniExcel.GetSheetNames(stream))
        {
            stream.Position = 0;
            foreach (IDictionary<string, object?> row in MiniExcel.Query(stream, sheetName: name))
            {
                foreach (var text in row.Values.OfType<string>())
                {
                    Assert.False(text.Length > 0 && Triggers.Contains(text[0]), $"Sheet {name}: a cell starts as a formula: {text}");
                    cells.Add(text);
                }
            }

            stream.Position = 0;
        }

        return cells;
    }
}
