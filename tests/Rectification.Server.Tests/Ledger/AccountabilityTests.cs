using System.Net;
using System.Net.Http.Json;
using MiniExcelLibs;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>Accountability (责任追究): proposed from the ledger and acceptance, decided and recorded by the county only.</summary>
public sealed class AccountabilityTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Candidates_ComeFromOverdueItemsAndFailedAcceptance_AndOnlyTheCountyRecords()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        var village = await app.OrgIdAsync("丰收村");
        var id = (await admin.ProposeAsync(village, "2")).Id();
        await admin.ConfirmAndAssignAsync(id);
        await secretary.PutPlanAsync(id, ("2", "调整不胜任的书记"));
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");
        var item = (await admin.LedgerItemsAsync(id)).Single();
        var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].Id();
        await admin.RecordAcceptanceAsync(accepting, 0.5m, satisfied: 3, dissatisfied: 7);

        // Nothing overdue yet: only the failed acceptance is proposed. Then the deadline (2026-06-30) passes by more than 30 days.
        var early = await (await admin.GetAsync("/api/v1/accountability/candidates")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([accepting], early.EnumerateArray().Select(c => c.GetProperty("caseId").GetInt32()));
        app.Clock.Advance(TimeSpan.FromDays(160));
        app.ForgetTokens();
        using var later = await app.ClientForAsync("county-admin");
        var candidates = await (await later.GetAsync("/api/v1/accountability/candidates")).ExpectAsync(HttpStatusCode.OK);
        var forCase = candidates.EnumerateArray().Where(c => c.GetProperty("caseId").GetInt32() == id).ToList();
        Assert.Equal(["包村领导 吴敏", "村书记 李强"], forCase.Select(c => c.GetProperty("person").GetString()).Order(StringComparer.Ordinal));
        Assert.All(forCase, c => Assert.Equal([item], c.GetProperty("items").EnumerateArray().Select(i => i.GetInt32())));
        Assert.Empty((await (await later.GetAsync("/api/v1/accountability")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray());

        var bad = await (await later.PostAsJsonAsync("/api/v1/accountability", new { caseId = id, person = "", kind = "罚款", ground = "看不顺眼", items = new[] { item } }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        foreach (var field in new[] { "person", "kind", "ground" })
        {
            Assert.True(bad.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {bad}");
        }

        foreach (var wrong in new[] { 999_999, -5, 0 })
        {
            await (await later.PostAsJsonAsync("/api/v1/accountability", new { caseId = id, person = "村书记 李强", kind = "约谈", ground = "推进工作不力", items = new[] { wrong } }))
                .ExpectAsync(HttpStatusCode.BadRequest);
        }
        var recorded = await (await later.PostAsJsonAsync("/api/v1/accountability",
            new { caseId = id, person = "村书记 李强", kind = "约谈", ground = "推进工作不力", items = new[] { item }, note = "逾期未调整到位" })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal([item], recorded.GetProperty("items").EnumerateArray().Select(i => i.GetInt32()));

        using var secretaryLater = await app.ClientForAsync("township-secretary");
        await (await secretaryLater.PostAsJsonAsync("/api/v1/accountability", new { caseId = id, person = "x", kind = "约谈", ground = "推进工作不力" }))
            .ExpectAsync(HttpStatusCode.Forbidden);
        var history = await (await later.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("kind").GetString() == "accountability"
            && e.GetProperty("comment").GetString()!.Contains("约谈：村书记 李强", StringComparison.Ordinal));

        using var workbook = new MemoryStream(await (await later.GetAsync($"/api/v1/ledger/export.xlsx?village={village}")).Content.ReadAsByteArrayAsync());
        var row = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "旺起镇").Cast<IDictionary<string, object?>>().Single();
        Assert.Equal("约谈：村书记 李强（推进工作不力）", row["责任追究"]);
    }
}
