using System.Net;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Cases;

/// <summary>An action answers with the case as it now is: the caller's next actions, blocked for the reasons a fresh read
/// gives, whether the action changed the plan and ledger or left them alone (then the answer reuses what its guards read).</summary>
public sealed class ActionAnswerTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task ActionAnswers_OfferTheNextActionsAsAFreshReadDoes()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        using var inspector = await app.ClientForAsync("inspector");
        var draft = await (await admin.PostAsync("/api/v1/workflows", Flows.Yaml(Flows.CountyAlsoRequestsAcceptance))).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null)).ExpectAsync(HttpStatusCode.Created);

        var id = (await secretary.ProposeAsync(await app.OrgIdAsync("五家子村"), "1", "4")).Id();
        await admin.ConfirmAndAssignAsync(id);
        await secretary.PutPlanAsync(id, ("1", "配齐村“两委”班子"), ("4", "落实“三会一课”"));
        await secretary.ActOkAsync(id, "submit-plan");

        // Approval turns the measures into ledger items, so its answer reads the ledger again: acceptance waits for both.
        var items = await secretary.LedgerItemsAsync(id);
        Assert.Empty(items);
        var approved = await admin.ActAndCompareAsync(id, "approve-plan");
        items = await secretary.LedgerItemsAsync(id);
        Assert.Equal(items.Select(i => (string?)i.ToString()), approved.Blocked("request-acceptance"));

        foreach (var item in items)
        {
            await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已完成" })).ExpectAsync(HttpStatusCode.OK);
            await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{item}/tick", new { method = "实地走访" })).ExpectAsync(HttpStatusCode.OK);
        }

        await admin.ActAndCompareAsync(id, "request-acceptance");
        await secretary.SignAsync(id, "self-assessment");
        await admin.SignAsync(id, "cross-review");
        await inspector.SignAsync(id, "villagers-review");
        await admin.ActAndCompareAsync(id, "submit-reviews");
        await admin.RecordAcceptanceAsync(id, 0.9m, satisfied: 9, dissatisfied: 1);
        Assert.Empty((await admin.GetCaseAsync(id)).Blocked("pass"));

        // 重新评分 starts a new visit of 县级验收, without scores: its answer must not carry the last visit's over.
        var rescoring = await admin.ActAndCompareAsync(id, "rescore");
        Assert.NotEmpty(rescoring.Blocked("pass"));
    }
}
