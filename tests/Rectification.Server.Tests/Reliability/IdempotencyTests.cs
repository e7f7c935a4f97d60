using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Retries with an <c>Idempotency-Key</c>: the first answer comes back again and nothing changes a second time;
/// and 50 clients racing for one change: one wins, the rest get 409, the history shows it once.</summary>
public sealed class IdempotencyTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Propose_RetriedWithTheSameKey_ReturnsTheFirstAnswer_AndListsTheBranchOnce()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        var village = await app.OrgIdAsync("太平村");
        var key = Guid.NewGuid().ToString();
        var first = await secretary.SendAsync(Propose(village, key));
        var created = await first.ExpectAsync(HttpStatusCode.Created);
        var retried = await secretary.SendAsync(Propose(village, key));
        var replayed = await retried.ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(created.ToString(), replayed.ToString());
        Assert.Equal(first.Headers.Location, retried.Headers.Location);
        Assert.Equal(first.Headers.ETag, retried.Headers.ETag);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        using var admin = await app.ClientForAsync("county-admin");
        var cases = await (await admin.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(cases.GetProperty("items").EnumerateArray(), c => c.GetProperty("village").GetProperty("id").GetInt32() == village);
        var history = await (await admin.GetAsync($"/api/v1/cases/{created.Id()}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(history.EnumerateArray());

        // Without the key the same request is a second proposal, refused because the branch is already listed.
        await (await secretary.SendAsync(Propose(village, null))).ExpectAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Action_RetriedWithTheSameKey_IsNotTakenTwice_AndTheKeyWithAnotherRequestIsRefused()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var caseId = await app.CaseIdAsync("旺起村");
        var before = await admin.GetCaseAsync(caseId);
        var key = Guid.NewGuid().ToString();
        var first = await (await admin.SendAsync(Act(caseId, "confirm", before.Version(), key))).ExpectAsync(HttpStatusCode.OK);
        var again = await admin.SendAsync(Act(caseId, "confirm", before.Version(), key));
        Assert.Equal(first.ToString(), (await again.ExpectAsync(HttpStatusCode.OK)).ToString());
        Assert.Equal("assigning", (await admin.GetCaseAsync(caseId)).Stage());
        Assert.Equal(before.Version() + 1, (await admin.GetCaseAsync(caseId)).Version());

        var reused = await (await admin.SendAsync(Act(caseId, "dismiss", before.Version() + 1, key))).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", reused.GetProperty("detail").GetString());
        Assert.Equal(before.Version() + 1, (await admin.GetCaseAsync(caseId)).Version());

        // Keys are per user: the same key from someone else is their own request, decided afresh (stale by now).
        using var city = await app.ClientForAsync("city-admin");
        var other = await city.SendAsync(Act(caseId, "confirm", before.Version(), key));
        await other.ExpectAsync(HttpStatusCode.Conflict);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Refusal_IsNotKept_SoTheRetryIsDecidedAfresh_AndAMalformedKeyIsNamed()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var caseId = await app.CaseIdAsync("东兴村");
        var current = await admin.GetCaseAsync(caseId);
        var key = Guid.NewGuid().ToString();
        await (await admin.SendAsync(Act(caseId, "approve-plan", current.Version() - 1, key))).ExpectAsync(HttpStatusCode.Conflict);
        var retried = await admin.SendAsync(Act(caseId, "approve-plan", current.Version() - 1, key));
        await retried.ExpectAsync(HttpStatusCode.Conflict);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(current.Version(), (await admin.GetCaseAsync(caseId)).Version());

        var bad = await (await admin.SendAsync(Act(caseId, "approve-plan", current.Version(), new string('k', 101)))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(current.Version(), (await admin.GetCaseAsync(caseId)).Version());
    }

    [Fact]
    public async Task Tick_SentBy20ClientsAtOnceWithOneKey_AllGetTheSameAnswer_AndItIsRecordedOnce()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary-2");
        var caseId = await app.CaseIdAsync("沿江村");
        var item = (await admin.LedgerItemsAsync(caseId))[0];
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已整改" })).ExpectAsync(HttpStatusCode.OK);
        var key = Guid.NewGuid().ToString();
        var inspectors = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.ClientForAsync("inspector")));
        var responses = await Task.WhenAll(inspectors.Select(c =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/ledger/{item}/tick") { Content = JsonContent.Create(new { method = "查看资料" }) };
            request.Headers.Add("Idempotency-Key", key);
            return c.SendAsync(request);
        }));

        var bodies = await Task.WhenAll(responses.Select(r => r.ExpectAsync(HttpStatusCode.OK)));
        Assert.Single(bodies.Select(b => b.ToString()).Distinct());
        Assert.Equal(19, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
        var history = await (await admin.GetAsync($"/api/v1/cases/{caseId}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(history.EnumerateArray(), e => e.GetProperty("action").GetString() == "tick");
        foreach (var client in inspectors)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Action_RacedBy50Clients_OneWins_TheRestGet409_AndHistoryShowsItOnce()
    {
        var caseId = await app.CaseIdAsync("江南村");
        var admins = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.ClientForAsync("county-admin")));
        var current = await admins[0].GetCaseAsync(caseId);
        const string action = "approve-plan";
        Assert.Equal("plan-review", current.Stage());
        var responses = await Task.WhenAll(admins.Select(c => c.ActAsync(caseId, action, current.Version(), new { comment = "同意" })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var history = await (await admins[0].GetAsync($"/api/v1/cases/{caseId}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(history.EnumerateArray(), e => e.GetProperty("action").GetString() == action);
        Assert.Equal(current.Version() + 1, (await admins[0].GetCaseAsync(caseId)).Version());
        foreach (var client in admins)
        {
            client.Dispose();
        }
    }

    private static HttpRequestMessage Propose(int villageId, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = JsonContent.Create(new { villageId, year = 2026, situations = new[] { "1" }, source = "township-report", note = "摸底排查" }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }

    private static HttpRequestMessage Act(int caseId, string action, int version, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{caseId}/actions/{action}")
        {
            Content = JsonContent.Create(new { comment = "复核" }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
