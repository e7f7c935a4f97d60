using System.Net;
using System.Net.Http.Json;
using MiniExcelLibs;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>The weekly dispatch (每周调度): made once on Monday morning, with numbers that match the ledger.</summary>
public sealed class DispatchTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Dispatch_MadeOnceOnMondayMorning_MatchesTheLedger()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        using var inspector = await App.ClientForAsync("inspector");
        var (_, late) = await RectifyingCaseWithItemDueAsync(admin, secretary, "太平村", "2026-03-04");
        var (_, done) = await RectifyingCaseWithItemDueAsync(admin, secretary, "丰收村", "2026-03-20");
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{done}/report", new { note = "已完成" })).ExpectAsync(HttpStatusCode.OK);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{done}/tick", new { method = "实地走访" })).ExpectAsync(HttpStatusCode.OK);

        // The clock starts on Monday 03-02 at 09:00, already past 08:30: the first sweep dispatches the week before.
        await SweepAsync();
        var first = await (await admin.GetAsync("/api/v1/dispatch/latest")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-03-02", first.GetProperty("weekOf").GetString());

        // Monday 2026-03-09 after 08:30: the week 03-02 08:30 to 03-09 08:30 is dispatched, once however often the sweep runs.
        await At(new DateTimeOffset(2026, 3, 9, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await SweepAsync();
        using var county = await App.ClientForAsync("county-admin");
        var all = await (await county.GetAsync("/api/v1/dispatch")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["2026-03-09", "2026-03-02"], all.EnumerateArray().Select(d => d.GetProperty("weekOf").GetString()));
        var latest = await (await county.GetAsync("/api/v1/dispatch/latest")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-03-09", latest.GetProperty("weekOf").GetString());
        var content = latest.GetProperty("content");

        var ledger = (await (await county.GetAsync("/api/v1/ledger?pageSize=200")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        var from = new DateTimeOffset(2026, 3, 2, 8, 30, 0, TimeSpan.FromHours(8));
        var to = from.AddDays(7);
        Assert.Equal(
            ledger.Count(i => i.GetProperty("closedAt").ValueKind == System.Text.Json.JsonValueKind.String && i.GetProperty("closedAt").GetDateTimeOffset() >= from && i.GetProperty("closedAt").GetDateTimeOffset() < to),
            content.GetProperty("itemsClosed").GetInt32());
        Assert.Contains(late, content.GetProperty("newlyOverdue").EnumerateArray().Select(i => i.GetInt32()));
        Assert.DoesNotContain(done, content.GetProperty("newlyOverdue").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal(ledger.Count(i => i.GetProperty("status").GetString() != "closed"),
            content.GetProperty("townships").EnumerateArray().Sum(t => t.GetProperty("openItems").GetInt32()));
        var shares = content.GetProperty("townships").EnumerateArray().Select(t => t.GetProperty("overdueShare").GetDecimal()).ToList();
        Assert.Equal(shares.OrderDescending(), shares);

        var workbook = await county.GetAsync($"/api/v1/dispatch/{latest.GetProperty("id").GetInt32()}/export.xlsx");
        using var stream = new MemoryStream(await workbook.Content.ReadAsByteArrayAsync());
        Assert.Equal(["概况", "各阶段案件", "乡镇排名"], MiniExcel.GetSheetNames(stream));
    }
}
