using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>The plan and the ledger: who writes, who reports, who ticks off, and what the guards demand.</summary>
public sealed class PlanAndLedgerTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task SubmitPlan_MissingASituation_Returns422NamingIt()
    {
        var (secretary, admin) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"));
        var id = await PlanningCaseAsync(admin, "五家子村", "1", "4");
        await secretary.PutPlanAsync(id, ("1", "配齐班子"));
        var problem = await (await secretary.ActAsync(id, "submit-plan", (await secretary.GetCaseAsync(id)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["4"], problem.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));
        var noPlan = await PlanningCaseAsync(admin, "长岭村", "2");
        var empty = await (await secretary.ActAsync(noPlan, "submit-plan", (await secretary.GetCaseAsync(noPlan)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(empty.GetProperty("unmet").EnumerateArray(), u => u.GetProperty("subject").GetString() == "plan");
    }

    [Fact]
    public async Task PutPlan_BadInputOrWrongPerson_IsRefusedNamingTheField()
    {
        var (secretary, admin) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"));
        var id = await PlanningCaseAsync(admin, "杨木村", "3");
        var version = (await secretary.GetCaseAsync(id)).Version();
        var bad = await (await PutAsync(secretary, id, version, new
        {
            problems = new[]
                {
                    new { description = "", situations = new[] { "9" }, measures = new[] { new { measure = "x", target = "", townshipResponsible = "a", villageResponsible = "b", deadline = "soon" } } },
                },
        })).ExpectAsync(HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        foreach (var field in new[] { "problems[0].description", "problems[0].situations[0]", "problems[0].measures[0].target", "problems[0].measures[0].deadline" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {bad}");
        }

        await (await PutAsync(admin, id, version, new { problems = Array.Empty<object>() })).ExpectAsync(HttpStatusCode.Forbidden);
        await (await PutAsync(secretary, id, version - 1, new { problems = Array.Empty<object>() })).ExpectAsync(HttpStatusCode.Conflict);
        using var other = await app.ClientForAsync("township-secretary-2");
        await (await other.GetAsync($"/api/v1/cases/{id}/plan")).ExpectAsync(HttpStatusCode.NotFound);
        var proposed = (await (await admin.GetAsync("/api/v1/cases?stage=proposed")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        await (await PutAsync(secretary, proposed.Id(), proposed.Version(), new { problems = Array.Empty<object>() })).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Equal(version, (await secretary.GetCaseAsync(id)).Version());
    }

    [Fact]
    public async Task LedgerItems_OnlyInspectorsTickOff_OnlyTheTownshipReports_AndReopenSendsBack()
    {
        var (secretary, admin, inspector) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"), await app.ClientForAsync("inspector"));
        var id = await RectifyingCaseAsync(secretary, admin, "李家村", ("5", "严肃换届纪律"), ("7", "村务公开每季度一次"));
        var items = await admin.LedgerItemsAsync(id);
        Assert.Equal(2, items.Count);
        var (first, second) = (items[0], items[1]);

        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/report", new { note = "完成" })).ExpectAsync(HttpStatusCode.Forbidden);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{first}/tick", new { method = "查看资料" })).ExpectAsync(HttpStatusCode.Forbidden);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/tick", new { method = "查看资料" })).ExpectAsync(HttpStatusCode.Conflict);
        var noNote = await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{first}/report", new { note = "" })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(noNote.GetProperty("errors").TryGetProperty("note", out _));

        var reported = await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{first}/report", new { note = "换届风气专项整治已完成" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("reported", reported.GetProperty("status").GetString());
        var badMethod = await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/tick", new { method = "电话" })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(badMethod.GetProperty("errors").TryGetProperty("method", out _));
        var closed = await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/tick", new { method = "群众座谈", note = "群众认可" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("closed", "群众座谈"), (closed.GetProperty("status").GetString(), closed.GetProperty("verificationMethod").GetString()));
        Assert.Contains("赵督导", closed.GetProperty("closedBy").GetString(), StringComparison.Ordinal);

        var reopened = await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/reopen", new { reason = "回头看发现问题反弹" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("open", 1), (reopened.GetProperty("status").GetString(), reopened.GetProperty("reopenCount").GetInt32()));
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{first}/reopen", new { reason = "again" })).ExpectAsync(HttpStatusCode.Conflict);

        var blocked = await (await secretary.ActAsync(id, "request-acceptance", (await secretary.GetCaseAsync(id)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal([first.ToString(), second.ToString()], blocked.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));

        var history = await (await admin.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        var ledgerSteps = history.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "ledger").Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["report", "tick", "reopen"], ledgerSteps);
    }

    [Fact]
    public async Task Ledger_IsScopedAndFiltered()
    {
        var (secretary, admin, inspector) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"), await app.ClientForAsync("inspector"));
        var id = await RectifyingCaseAsync(secretary, admin, "新立村", ("6", "扫黑除恶专项斗争"), ("8", "化解信访积案"));
        var items = await admin.LedgerItemsAsync(id);
        using var other = await app.ClientForAsync("township-secretary-2");
        var theirs = await (await other.GetAsync("/api/v1/ledger?pageSize=200")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(theirs.GetProperty("items").EnumerateArray(), i => i.GetProperty("caseId").GetInt32() == id);
        await (await other.PostAsJsonAsync($"/api/v1/ledger/{items[0]}/report", new { note = "冒名" })).ExpectAsync(HttpStatusCode.NotFound);

        var bySituation = await (await admin.GetAsync("/api/v1/ledger?situation=6&pageSize=200")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(bySituation.GetProperty("items").EnumerateArray(), i => i.Id() == items[0]);
        Assert.All(bySituation.GetProperty("items").EnumerateArray(), i => Assert.Contains("6", i.GetProperty("situations").EnumerateArray().Select(s => s.GetString())));
        var byResponsible = await (await admin.GetAsync("/api/v1/ledger?responsible=吴敏&status=open&pageSize=200")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(byResponsible.GetProperty("items").EnumerateArray(), i => i.Id() == items[1]);

        // Before the deadline (2026-06-30) nothing is overdue yet.
        Assert.Empty((await (await admin.GetAsync("/api/v1/ledger?overdue=true")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await (await inspector.GetAsync("/api/v1/ledger?status=maybe")).ExpectAsync(HttpStatusCode.BadRequest);
        await (await inspector.GetAsync("/api/v1/ledger?sort=colour")).ExpectAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Tick_By50RacingInspectors_OneWinsTheRestGet409_HistoryShowsOne()
    {
        var (secretary, admin) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"));
        var id = await RectifyingCaseAsync(secretary, admin, "永安村", ("9", "建设党群服务中心"));
        var item = (await admin.LedgerItemsAsync(id))[0];
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "服务中心已投入使用" })).ExpectAsync(HttpStatusCode.OK);
        var inspectors = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.ClientForAsync("inspector")));
        var responses = await Task.WhenAll(inspectors.Select(c => c.PostAsJsonAsync($"/api/v1/ledger/{item}/tick", new { method = "实地走访" })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var history = await (await admin.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(history.EnumerateArray(), e => e.GetProperty("action").GetString() == "tick");
        foreach (var client in inspectors)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Reports_OfDifferentItemsOfOneCase_AtOnce_AllSucceed_EachRecordedOnce()
    {
        // Each change bumps the case's version; a save that lost only to another item's change is retried, not refused.
        var (secretary, admin) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"));
        var id = await RectifyingCaseAsync(secretary, admin, "丰收村", ("1", "调整班子"), ("2", "规范三会一课"), ("3", "化解矛盾"), ("4", "清理集体资产"),
            ("5", "整顿作风"), ("6", "建设阵地"));
        var items = await admin.LedgerItemsAsync(id);
        var secretaries = await Task.WhenAll(items.Select(_ => app.ClientForAsync("township-secretary")));
        var responses = await Task.WhenAll(items.Zip(secretaries, (item, client) => client.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已完成" })));
        foreach (var response in responses)
        {
            await response.ExpectAsync(HttpStatusCode.OK);
        }

        var history = (await (await admin.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal(items.Count, history.Count(e => e.GetProperty("action").GetString() == "report"));
        Assert.Equal(history.Count, history.Select(e => e.GetProperty("seq").GetInt32()).Distinct().Count());
        foreach (var client in secretaries)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Feedback_ByInspector_AddsLedgerItemsThatAcceptanceWaitsFor()
    {
        var (secretary, admin, inspector) = (await app.ClientForAsync("township-secretary"), await app.ClientForAsync("county-admin"), await app.ClientForAsync("inspector"));
        var id = await RectifyingCaseAsync(secretary, admin, "太平村", ("10", "建立群众意见收集机制"));
        var measure = (await admin.LedgerItemsAsync(id)).Single();
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{measure}/report", new { note = "已建立" })).ExpectAsync(HttpStatusCode.OK);
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{measure}/tick", new { method = "查看资料" })).ExpectAsync(HttpStatusCode.OK);

        var form = new
        {
            visit = "第二督导组4月走访",
            problems = new[]
            {
                new { problem = "三会一课记录不全", measure = "补齐会议记录并规范存档", situations = new[] { "10" }, townshipResponsible = "吴敏", villageResponsible = "李强", deadline = "2026-04-30" },
                new { problem = "公开栏内容过期", measure = "每月更新村务公开栏", situations = Array.Empty<string>(), townshipResponsible = "吴敏", villageResponsible = "李强", deadline = "2026-04-15" },
            },
        };
        await (await secretary.PostAsJsonAsync($"/api/v1/cases/{id}/feedback", form)).ExpectAsync(HttpStatusCode.Forbidden);
        var bad = await (await inspector.PostAsJsonAsync($"/api/v1/cases/{id}/feedback",
            new { problems = new[] { new { problem = "", measure = "m", townshipResponsible = "a", villageResponsible = "b", deadline = "2020-01-01" } } }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("problems[0].problem", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("problems[0].deadline", out _));

        var raised = await (await inspector.PostAsJsonAsync($"/api/v1/cases/{id}/feedback", form)).ExpectAsync(HttpStatusCode.Created);
        Assert.All(raised.EnumerateArray(), i => Assert.Equal(("feedback", "open"), (i.GetProperty("source").GetString(), i.GetProperty("status").GetString())));
        var blocked = await (await secretary.ActAsync(id, "request-acceptance", (await secretary.GetCaseAsync(id)).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(raised.EnumerateArray().Select(i => i.Id().ToString()), blocked.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));
    }

    private async Task<int> PlanningCaseAsync(HttpClient admin, string village, params string[] situations)
    {
        var id = (await admin.ProposeAsync(await app.OrgIdAsync(village), situations)).Id();
        await admin.ActOkAsync(id, "confirm");
        await admin.ActOkAsync(id, "assign", new
        {
            fields = new { countyLeader = "孙副区长", townshipMember = "吴敏", firstSecretary = "陈书记", pairedDepartment = "区财政局" },
        });
        return id;
    }

    private async Task<int> RectifyingCaseAsync(HttpClient secretary, HttpClient admin, string village, params (string Situation, string Measure)[] plan)
    {
        var id = await PlanningCaseAsync(admin, village, plan.Select(p => p.Situation).ToArray());
        await secretary.PutPlanAsync(id, plan);
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");
        return id;
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, int id, int version, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{id}/plan") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return client.SendAsync(request);
    }
}
