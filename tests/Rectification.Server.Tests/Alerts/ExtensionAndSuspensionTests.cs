using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>Extensions granted by the county move deadlines; alerts follow the new ones.</summary>
public sealed class ExtensionTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Extension_RequestedByTheTownship_GrantedByTheCounty_MovesTheDeadlineAndCounts()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        using var inspector = await App.ClientForAsync("inspector");
        var (_, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "永安村", "2026-03-10");

        var early = await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/extensions", new { deadline = "2026-03-09", reason = "x" })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(early.GetProperty("errors").TryGetProperty("deadline", out _));
        await (await admin.PostAsJsonAsync($"/api/v1/ledger/{item}/extensions/decision", new { approve = true })).ExpectAsync(HttpStatusCode.Conflict);
        var asked = await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/extensions", new { deadline = "2026-03-31", reason = "村“两委”换届，工作顺延" }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-03-31", asked.GetProperty("requestedDeadline").GetString());
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{item}/extensions/decision", new { approve = true })).ExpectAsync(HttpStatusCode.Forbidden);
        var granted = await (await admin.PostAsJsonAsync($"/api/v1/ledger/{item}/extensions/decision", new { approve = true, comment = "同意" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("2026-03-31T23:59:59+08:00", 1), (granted.GetProperty("deadline").GetString(), granted.GetProperty("extensionCount").GetInt32()));

        // The old deadline passes without an overdue alert: alerts follow the deadline in force.
        await At(new DateTimeOffset(2026, 3, 12, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Empty(await ItemAlertsAsync("township-secretary", item));
    }

    internal static Task<HttpResponseMessage> Post(HttpClient client, string url, int version, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return client.SendAsync(request);
    }
}

/// <summary>A suspension stops a case's clocks; resuming moves its deadlines on by the working days it lasted.</summary>
public sealed class SuspensionTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Suspension_StopsTheClocks_AndResumeMovesDeadlinesByTheWorkingDaysSuspended()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var (id, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "李家村", "2026-03-10");
        var before = await admin.GetCaseAsync(id);
        Assert.Equal("2026-09-02T23:59:59+08:00", before.GetProperty("stageDeadline").GetString());

        await (await Post(admin, $"/api/v1/cases/{id}/suspend", before.Version(), new { })).ExpectAsync(HttpStatusCode.BadRequest);
        await (await Post(secretary, $"/api/v1/cases/{id}/suspend", before.Version(), new { reason = "换届" })).ExpectAsync(HttpStatusCode.Forbidden);
        var suspended = await (await Post(admin, $"/api/v1/cases/{id}/suspend", before.Version(), new { reason = "村“两委”换届选举" })).ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, suspended.GetProperty("suspendedAt").ValueKind);
        await (await secretary.ActAsync(id, "request-acceptance", suspended.Version())).ExpectAsync(HttpStatusCode.Conflict);

        // Two weeks later (10 working days): no alert was raised for the suspended case meanwhile.
        await At(new DateTimeOffset(2026, 3, 16, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Empty(await ItemAlertsAsync("township-secretary", item));
        using var adminLater = await App.ClientForAsync("county-admin");
        var resumed = await (await Post(adminLater, $"/api/v1/cases/{id}/resume", suspended.Version(), new { reason = "换届结束" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, resumed.GetProperty("suspendedAt").ValueKind);
        Assert.Equal("2026-09-16T23:59:59+08:00", resumed.GetProperty("stageDeadline").GetString());
        var ledger = await (await adminLater.GetAsync("/api/v1/ledger?pageSize=200")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-03-24T23:59:59+08:00", ledger.GetProperty("items").EnumerateArray().Single(i => i.Id() == item).GetProperty("deadline").GetString());
        var history = await (await adminLater.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["suspend", "resume"], history.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "suspension").Select(e => e.GetProperty("action").GetString()));
        await (await Post(adminLater, $"/api/v1/cases/{id}/resume", resumed.Version(), new { })).ExpectAsync(HttpStatusCode.Conflict);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string url, int version, object body) => ExtensionTests.Post(client, url, version, body);
}
