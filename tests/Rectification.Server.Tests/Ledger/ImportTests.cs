using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MiniExcelLibs;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>Screening results come in from Excel or CSV: all rows or none.</summary>
public sealed class ImportTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    [Fact]
    public async Task Import_WithBadRows_ImportsNothingAndReportsEveryBadRow()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await TotalAsync(admin);
        const string csv = "村,情形,来源,备注\n东山村,1、4,乡镇上报,好的一行\n不存在村,2,督导组摸排,\n西山村,99,乡镇上报,\n东山村,3,督导组,重复\n旺起村,1,乡镇上报,已有案件\n南沟村,5,传闻,\n";
        var problem = await (await PostAsync(admin, Encoding.UTF8.GetBytes(csv), "text/csv")).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var rows = problem.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("row").GetInt32(), r => string.Join(" ", r.GetProperty("errors").EnumerateArray().Select(e => e.GetString())));
        Assert.Equal([3, 4, 5, 6, 7], rows.Keys.Order());
        Assert.Contains("不存在村", rows[3], StringComparison.Ordinal);
        Assert.Contains("'99'", rows[4], StringComparison.Ordinal);
        Assert.Contains("row 2", rows[5], StringComparison.Ordinal);
        Assert.Contains("open case", rows[6], StringComparison.Ordinal);
        Assert.Contains("传闻", rows[7], StringComparison.Ordinal);
        Assert.Equal(before, await TotalAsync(admin));
    }

    [Fact]
    public async Task Import_TemplateFilledIn_ProposesEveryRow_WithinTheCallersArea()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        var template = await secretary.GetAsync("/api/v1/import/screening/template.xlsx");
        Assert.Equal(HttpStatusCode.OK, template.StatusCode);
        using var templateStream = new MemoryStream(await template.Content.ReadAsByteArrayAsync());
        var headers = MiniExcel.Query(templateStream, useHeaderRow: true).Cast<IDictionary<string, object?>>().First().Keys;
        Assert.Equal(["村", "情形", "来源", "备注", "年度"], headers);

        var filled = new[]
        {
            new Dictionary<string, object?> { ["村"] = "五家子村", ["情形"] = "1、4", ["来源"] = "乡镇上报", ["备注"] = "书记长期缺职", ["年度"] = 2026 },
            new Dictionary<string, object?> { ["村"] = "220211100211", ["情形"] = "7", ["来源"] = "督导组摸排", ["备注"] = null, ["年度"] = null },
        };
        using var workbook = new MemoryStream();
        await MiniExcel.SaveAsAsync(workbook, filled);
        var imported = await (await PostAsync(secretary, workbook.ToArray(), Xlsx)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, imported.GetProperty("imported").GetInt32());
        var first = await secretary.GetCaseAsync(imported.GetProperty("caseIds")[0].GetInt32());
        Assert.Equal(("五家子村", "proposed", "township-report"), (first.GetProperty("village").GetProperty("name").GetString(), first.Stage(), first.GetProperty("source").GetString()));

        // A village of another township is outside the secretary's area: the row is bad, nothing is imported.
        var outside = await (await PostAsync(secretary, Encoding.UTF8.GetBytes("村,情形,来源\n光明村,1,乡镇上报\n"), "text/csv")).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(2, outside.GetProperty("rows")[0].GetProperty("row").GetInt32());
        await (await PostAsync(secretary, Encoding.UTF8.GetBytes("not a workbook"), Xlsx)).ExpectAsync(HttpStatusCode.BadRequest);
        await (await PostAsync(secretary, [1, 2, 3], "application/pdf")).ExpectAsync(HttpStatusCode.UnsupportedMediaType);
        using var viewer = await app.ClientForAsync("city-viewer");
        await (await PostAsync(viewer, Encoding.UTF8.GetBytes("村,情形,来源\n"), "text/csv")).ExpectAsync(HttpStatusCode.Forbidden);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return client.PostAsync("/api/v1/import/screening", content);
    }

    private static async Task<int> TotalAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/v1/cases?pageSize=1")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
}
