using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using MiniExcelLibs;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>The ledger leaves the service as an Excel workbook offices can open and print.</summary>
public sealed class ExportTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Export_OfAVillageNamedLikeAFormula_KeepsTheNameAsText()
    {
        // Org units are named by county admins: a name is typed input like any other, and must not run in Excel.
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        var village = (await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = await app.OrgIdAsync("旺起镇"), code = "220211100299", name = "=HYPERLINK(\"http://x\")村" }))
            .ExpectAsync(HttpStatusCode.Created)).Id();
        var id = (await admin.ProposeAsync(village, "2")).Id();
        await admin.ConfirmAndAssignAsync(id);
        await secretary.PutPlanAsync(id, ("2", "落实三会一课"));
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");

        using var stream = new MemoryStream(await (await admin.GetAsync($"/api/v1/ledger/export.xlsx?village={village}")).Content.ReadAsByteArrayAsync());
        var row = MiniExcel.Query(stream, useHeaderRow: true, sheetName: "旺起镇").Cast<IDictionary<string, object?>>().Single();
        Assert.Equal("'=HYPERLINK(\"http://x\")村", row["村"]);
    }

    [Fact]
    public async Task Export_HasASummaryAndOneSheetPerTownship_WithTheOfficeColumnsDatesAndAFrozenHeader()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        using var inspector = await app.ClientForAsync("inspector");
        var village = await app.OrgIdAsync("五家子村");
        var id = (await admin.ProposeAsync(village, "1", "7")).Id();
        await admin.ConfirmAndAssignAsync(id);
        await secretary.PutPlanAsync(id, ("1", "=HYPERLINK(\"http://x\")"), ("7", "村务公开每季度一次"));
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");
        var items = await admin.LedgerItemsAsync(id);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{items[1]}/report", new { note = "已公开" })).ExpectAsync(HttpStatusCode.OK);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{items[1]}/tick", new { method = "查看资料" })).ExpectAsync(HttpStatusCode.OK);

        // The list's filters apply: one village's items.
        var response = await admin.GetAsync($"/api/v1/ledger/export.xlsx?village={village}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var stream = new MemoryStream(bytes);

        Assert.Equal(["汇总", "旺起镇"], MiniExcel.GetSheetNames(stream));
        stream.Position = 0;
        var summary = MiniExcel.Query(stream, useHeaderRow: true, sheetName: "汇总").Cast<IDictionary<string, object?>>().Single();
        Assert.Equal(("旺起镇", 2d, 1d, 1d), ((string?)summary["乡镇"], Convert.ToDouble(summary["事项总数"]), Convert.ToDouble(summary["未完成"]), Convert.ToDouble(summary["已销号"])));

        stream.Position = 0;
        var rows = MiniExcel.Query(stream, useHeaderRow: true, sheetName: "旺起镇").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(
            ["序号", "县(市区)", "乡镇", "村", "软弱涣散类型", "主要问题", "整改措施", "乡镇责任人", "村级责任人", "包保县级领导", "包保部门", "第一书记",
             "完成时限", "进展情况", "是否销号", "销号日期", "核验人", "验收结果", "连续列入次数", "责任追究"],
            rows[0].Keys);
        Assert.Equal(("丰满区", "五家子村", "孙副区长", "区财政局"), ((string?)rows[0]["县(市区)"], (string?)rows[0]["村"], (string?)rows[0]["包保县级领导"], (string?)rows[0]["包保部门"]));
        Assert.Equal(new DateTime(2026, 6, 30), rows[0]["完成时限"]);
        Assert.Equal("'=HYPERLINK(\"http://x\")", rows[0]["整改措施"]);
        Assert.Equal(("是", new DateTime(2026, 3, 2)), ((string?)rows[1]["是否销号"], rows[1]["销号日期"]));
        Assert.Contains("党组织班子配备不齐", (string?)rows[0]["软弱涣散类型"], StringComparison.Ordinal);

        using var zip = new ZipArchive(new MemoryStream(bytes));
        var sheetXml = await new StreamReader(zip.GetEntry("xl/worksheets/sheet2.xml")!.Open()).ReadToEndAsync();
        Assert.Contains("state=\"frozen\"", sheetXml, StringComparison.Ordinal);

        // Unfiltered, the county sees every township with items; a township secretary only their own.
        using var all = new MemoryStream(await (await admin.GetAsync("/api/v1/ledger/export.xlsx")).Content.ReadAsByteArrayAsync());
        Assert.Equal(["汇总", "旺起镇", "江南乡"], MiniExcel.GetSheetNames(all));
        using var other = await app.ClientForAsync("township-secretary-2");
        using var theirs = new MemoryStream(await (await other.GetAsync("/api/v1/ledger/export.xlsx")).Content.ReadAsByteArrayAsync());
        Assert.Equal(["汇总", "江南乡"], MiniExcel.GetSheetNames(theirs));
    }
}
