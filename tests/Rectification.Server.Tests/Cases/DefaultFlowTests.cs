using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Timers;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Cases;

/// <summary>One branch from proposal to closure on the default flow, through one 回炉 loop, each step by its role.</summary>
public sealed class DefaultFlowTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private static readonly object Assignment = new
    {
        comment = "四个一包保落实",
        fields = new
        {
            countyLeader = "孙副区长",
            townshipMember = "吴敏",
            firstSecretary = "陈第一书记",
            pairedDepartment = "区财政局",
        },
    };

    [Fact]
    public async Task DefaultFlow_ProposedToClosed_WithOneReworkLoop_RecordsEveryStepInOrder()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        using var admin = await app.ClientForAsync("county-admin");
        using var inspector = await app.ClientForAsync("inspector");
        var village = await app.OrgIdAsync("五家子村");

        var proposed = await secretary.ProposeAsync(village, "1", "4");
        var id = proposed.Id();
        Assert.Equal("proposed", proposed.Stage());
        Assert.Equal(1, proposed.Version());
        // 10 working days from Monday 2026-03-02 is Monday 2026-03-16, end of day in Shanghai.
        Assert.Equal("2026-03-16T23:59:59+08:00", proposed.GetProperty("stageDeadline").GetString());

        Assert.Equal("assigning", (await admin.ActOkAsync(id, "confirm", new { comment = "全区统筹研判，确认列入" })).Stage());
        var planning = await admin.ActOkAsync(id, "assign", Assignment);
        Assert.Equal("planning", planning.Stage());
        Assert.Equal("孙副区长", planning.GetProperty("fields").GetProperty("countyLeader").GetString());

        await secretary.PutPlanAsync(id, ("1", "配齐村“两委”班子，选优配强书记"), ("4", "落实“三会一课”，每月开展主题党日"));
        Assert.Equal("plan-review", (await secretary.ActOkAsync(id, "submit-plan")).Stage());
        Assert.Equal("planning", (await admin.ActOkAsync(id, "return-plan", new { comment = "措施不够具体" })).Stage());
        var returned = await (await secretary.GetAsync($"/api/v1/cases/{id}/plan")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("措施不够具体", returned.GetProperty("returnComment").GetString());
        Assert.Equal("plan-review", (await secretary.ActOkAsync(id, "submit-plan", new { comment = "已按意见修改" })).Stage());
        Assert.Equal("rectifying", (await admin.ActAndCompareAsync(id, "approve-plan")).Stage());

        // Approval turned each measure into a ledger item; acceptance waits until inspectors have ticked them all off.
        var items = await secretary.LedgerItemsAsync(id);
        Assert.Equal(2, items.Count);
        var blocked = await (await secretary.ActAsync(id, "request-acceptance", (await secretary.GetCaseAsync(id)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(items.Select(i => i.ToString()), blocked.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));
        foreach (var item in items)
        {
            await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已完成" })).ExpectAsync(HttpStatusCode.OK);
            await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{item}/tick", new { method = "实地走访" })).ExpectAsync(HttpStatusCode.OK);
        }

        Assert.Equal("reviewing", (await secretary.ActOkAsync(id, "request-acceptance")).Stage());

        await SignAllReviewsAsync(id, secretary, admin, inspector);
        var accepting = await admin.ActAndCompareAsync(id, "submit-reviews");
        Assert.Equal("accepting", accepting.Stage());
        // Nothing recorded yet in this visit of 验收: pass waits for the scores.
        Assert.Equal(["acceptance"], accepting.Blocked("pass"));

        // 80 points, but 6 of 10 villagers dissatisfied: the computed outcome fails, so pass is refused.
        var failing = await admin.RecordAcceptanceAsync(id, 0.8m, satisfied: 4, dissatisfied: 6);
        Assert.Equal((80m, false), (failing.GetProperty("acceptance").GetProperty("total").GetDecimal(), failing.GetProperty("acceptance").GetProperty("passed").GetBoolean()));
        var refused = await (await admin.ActAsync(id, "pass", (await admin.GetCaseAsync(id)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["rating"], refused.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));
        var rework = await admin.ActAndCompareAsync(id, "fail", new { comment = "群众满意度不足，回炉整顿" });
        Assert.Equal("rectifying", rework.Stage());

        var reviewingAgain = await secretary.ActOkAsync(id, "request-acceptance");
        Assert.Equal("reviewing", reviewingAgain.Stage());
        // A new visit of the stage starts with a blank checklist: the first round's signatures do not count again.
        Assert.All(reviewingAgain.GetProperty("checklist").EnumerateArray(), item => Assert.False(item.GetProperty("isSigned").GetBoolean()));
        await SignAllReviewsAsync(id, secretary, admin, inspector);
        await AssertLoadsOnlyThisVisitsSignaturesAsync(id, proposed.GetProperty("county").GetProperty("id").GetInt32());
        Assert.Equal("accepting", (await admin.ActOkAsync(id, "submit-reviews")).Stage());
        await admin.RecordAcceptanceAsync(id, 0.9m, satisfied: 9, dissatisfied: 1);
        var converted = await admin.ActOkAsync(id, "pass", new { comment = "验收合格" });
        Assert.Equal("converted", converted.Stage());
        Assert.Empty(converted.GetProperty("actions").EnumerateArray());

        // The follow-up period (12 months) passes: Quartz fires the timer trigger and the case closes by itself.
        var closedAt = await AdvanceUntilSweepFiresAsync(TimeSpan.FromDays(400));
        app.ForgetTokens(); // a year later the morning's tokens have long expired
        using var adminNextYear = await app.ClientForAsync("county-admin");
        var closed = await adminNextYear.GetCaseAsync(id);
        Assert.Equal("closed", closed.Stage());
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("endedAt").ValueKind);
        Assert.True(closedAt >= 1);

        var history = await (await adminNextYear.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        var entries = history.EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, entries.Count), entries.Select(e => e.GetProperty("seq").GetInt32()));
        Assert.Equal(closed.Version(), entries.Count);
        var steps = entries.Select(e => $"{e.GetProperty("kind").GetString()}:{e.GetProperty("action").GetString()}:{e.GetProperty("to").GetString()}");
        Assert.Equal(
            [
                "propose::proposed", "action:confirm:assigning", "action:assign:planning", "plan:save-plan:planning", "action:submit-plan:plan-review",
                "action:return-plan:planning", "action:submit-plan:plan-review", "action:approve-plan:rectifying",
                "ledger:report:rectifying", "ledger:tick:rectifying", "ledger:report:rectifying", "ledger:tick:rectifying",
                "action:request-acceptance:reviewing", "sign:self-assessment:reviewing", "sign:cross-review:reviewing",
                "sign:villagers-review:reviewing", "action:submit-reviews:accepting", "acceptance:record-acceptance:accepting", "action:fail:rectifying",
                "action:request-acceptance:reviewing", "sign:self-assessment:reviewing", "sign:cross-review:reviewing",
                "sign:villagers-review:reviewing", "action:submit-reviews:accepting", "acceptance:record-acceptance:accepting", "action:pass:converted",
                "timer:follow-up-ended:closed",
            ],
            steps);
        var at = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(at.Order(), at);
        Assert.Equal("系统", entries[^1].GetProperty("actor").GetString());
        Assert.Equal("群众满意度不足，回炉整顿", entries[18].GetProperty("comment").GetString());
        Assert.Equal("孙副区长", entries[2].GetProperty("changes").GetProperty("countyLeader").GetProperty("new").GetString());
        Assert.Contains("刘组织", entries[1].GetProperty("actor").GetString(), StringComparison.Ordinal);
    }

    private static async Task SignAllReviewsAsync(int id, HttpClient secretary, HttpClient admin, HttpClient inspector)
    {
        await secretary.SignAsync(id, "self-assessment");
        await admin.SignAsync(id, "cross-review");
        var signed = await inspector.SignAsync(id, "villagers-review");
        Assert.All(signed.GetProperty("checklist").EnumerateArray(), item => Assert.True(item.GetProperty("isSigned").GetBoolean()));
    }

    // Both rounds' signatures stay on record, but a change of the case loads only the present visit's: a case sent back
    // again and again does not make every later action read (and track) its whole past.
    private async Task AssertLoadsOnlyThisVisitsSignaturesAsync(int id, int county)
    {
        using var scope = app.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<CaseStore>();
        var loaded = await store.FindAsync(new CurrentUser(0, "test", "test", county, OrgLevel.County, ["county-admin"]), id, CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(6, await store.Db.ChecklistSignatures.CountAsync(s => s.CaseId == id));
        Assert.Equal(["cross-review", "self-assessment", "villagers-review"], loaded.Signatures.Select(s => s.Item).Order(StringComparer.Ordinal));
        Assert.All(loaded.Signatures, s => Assert.Equal(loaded.StageVisit, s.StageVisit));
    }

    /// <summary>Moves the fake clock and waits for the sweep that Quartz starts when the timer trigger comes due.</summary>
    private async Task<int> AdvanceUntilSweepFiresAsync(TimeSpan by)
    {
        var sweep = app.Services.GetRequiredService<Sweep>();
        var fired = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSweep(Sweep.Outcome outcome)
        {
            if (outcome.Fired > 0)
            {
                fired.TrySetResult(outcome.Fired);
            }
        }

        sweep.Completed += OnSweep;
        try
        {
            app.Clock.Advance(by);
            return await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            sweep.Completed -= OnSweep;
        }
    }
}
