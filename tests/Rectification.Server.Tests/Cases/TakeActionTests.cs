using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Cases;

/// <summary>Taking actions: role and scope denials, stale versions, unmet guards, and that a refused action changes nothing.</summary>
public sealed class TakeActionTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task GetCase_SecretaryOfAnotherTownship_Returns404()
    {
        using var own = await app.ClientForAsync("township-secretary");
        using var other = await app.ClientForAsync("township-secretary-2");
        var created = await own.ProposeAsync(await app.OrgIdAsync("丰收村"), "1");

        await (await other.GetAsync($"/api/v1/cases/{created.Id()}")).ExpectAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/cases/{created.Id()}/history")).ExpectAsync(HttpStatusCode.NotFound);
        await (await other.ActAsync(created.Id(), "submit-plan", 1)).ExpectAsync(HttpStatusCode.NotFound);
        await other.SignAsync(created.Id(), "self-assessment", HttpStatusCode.NotFound);
        var list = await (await other.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), c => c.Id() == created.Id());
        Assert.All(list.GetProperty("items").EnumerateArray(),
            c => Assert.Equal("江南乡", c.GetProperty("township").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Lists_AreScopedToTheCallersSubtree()
    {
        using var firstSecretary = await app.ClientForAsync("first-secretary");
        using var viewer = await app.ClientForAsync("city-viewer");
        using var admin = await app.ClientForAsync("county-admin");
        var village = await (await firstSecretary.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.OK);
        var items = village.GetProperty("items").EnumerateArray().ToList();
        Assert.Single(items);
        Assert.Equal("孟家村", items[0].GetProperty("village").GetProperty("name").GetString());

        var county = await (await admin.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        var city = await (await viewer.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(county.GetProperty("total").GetInt32() >= 7);
        Assert.Equal(county.GetProperty("total").GetInt32(), city.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ListCases_FiltersByStageAndTownship_AndPages()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var township = await app.OrgIdAsync("江南乡");
        var planning = await (await admin.GetAsync("/api/v1/cases?stage=plan-review")).ExpectAsync(HttpStatusCode.OK);
        Assert.All(planning.GetProperty("items").EnumerateArray(), c => Assert.Equal("plan-review", c.GetProperty("stage").GetString()));
        var jiangnan = await (await admin.GetAsync($"/api/v1/cases?township={township}&year=2026")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, jiangnan.GetProperty("total").GetInt32());
        var page = await (await admin.GetAsync("/api/v1/cases?page=2&pageSize=3")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, page.GetProperty("items").GetArrayLength());
        Assert.Equal(2, page.GetProperty("pageNumber").GetInt32());
        var bad = await (await admin.GetAsync("/api/v1/cases?pageSize=1000")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Fact]
    public async Task Action_RoleMayNotTakeIt_Returns403AndChangesNothing()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        using var viewer = await app.ClientForAsync("city-viewer");
        using var firstSecretary = await app.ClientForAsync("first-secretary");
        var created = await secretary.ProposeAsync(await app.OrgIdAsync("太平村"), "1");

        await (await secretary.ActAsync(created.Id(), "confirm", 1)).ExpectAsync(HttpStatusCode.Forbidden);
        await (await viewer.ActAsync(created.Id(), "confirm", 1)).ExpectAsync(HttpStatusCode.Forbidden);
        var demoCase = (await (await firstSecretary.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        await (await firstSecretary.ActAsync(demoCase.Id(), "assign", demoCase.Version())).ExpectAsync(HttpStatusCode.Forbidden);

        var after = await secretary.GetCaseAsync(created.Id());
        Assert.Equal(1, after.Version());
        Assert.Equal("proposed", after.Stage());
        Assert.Empty(after.GetProperty("actions").EnumerateArray());
    }

    [Fact]
    public async Task Action_NotInCurrentStage_Returns409NamingTheStage()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("东山村"), "5");
        var problem = await (await admin.ActAsync(created.Id(), "pass", 1)).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Equal("proposed", problem.GetProperty("stage").GetString());
        await (await admin.ActAsync(created.Id(), "no-such-action", 1)).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Action_StaleOrMissingIfMatch_Returns409Or428()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("西山村"), "5");
        await admin.ActOkAsync(created.Id(), "confirm");

        var stale = await (await admin.ActAsync(created.Id(), "assign", 1)).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Equal(2, stale.GetProperty("currentVersion").GetInt32());
        await (await admin.ActAsync(created.Id(), "assign", null)).ExpectAsync((HttpStatusCode)428);

        using var garbled = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{created.Id()}/actions/assign") { Content = JsonContent.Create(new { }) };
        garbled.Headers.TryAddWithoutValidation("If-Match", "\"two\"");
        var problem = await (await admin.SendAsync(garbled)).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("If-Match", out _));
        Assert.Equal(2, (await admin.GetCaseAsync(created.Id())).Version());
    }

    [Fact]
    public async Task Action_ConcurrentSameVersion_OneWinsOthersGet409_HistoryHasOneEntry()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("南沟村"), "7");
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.ClientForAsync("county-admin")));
        var responses = await Task.WhenAll(clients.Select(c => c.ActAsync(created.Id(), "confirm", 1)));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));

        var history = await (await admin.GetAsync($"/api/v1/cases/{created.Id()}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["propose", "action"], history.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Assign_WithoutFields_Returns422ListingEveryMissingField()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("北沟村"), "7");
        var confirmed = await admin.ActOkAsync(created.Id(), "confirm");
        var response = await admin.ActAsync(created.Id(), "assign", confirmed.Version(), new { fields = new { countyLeader = "孙副区长" } });
        var problem = await response.ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var unmet = problem.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()).ToList();
        Assert.Equal(["townshipMember", "firstSecretary", "pairedDepartment"], unmet);

        var after = await admin.GetCaseAsync(created.Id());
        Assert.Equal(confirmed.Version(), after.Version());
        Assert.False(after.GetProperty("fields").TryGetProperty("countyLeader", out _));
    }

    [Fact]
    public async Task Assign_UnknownField_Returns400NamingIt()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("平安村"), "7");
        var confirmed = await admin.ActOkAsync(created.Id(), "confirm");
        var response = await admin.ActAsync(created.Id(), "assign", confirmed.Version(), new { fields = new { favouriteColour = "red" } });
        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("fields.favouriteColour", out _));
    }

    [Fact]
    public async Task Dismiss_WithoutComment_Returns422()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var created = await admin.ProposeAsync(await app.OrgIdAsync("新华村"), "7");
        var problem = await (await admin.ActAsync(created.Id(), "dismiss", 1)).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("comment", problem.GetProperty("unmet")[0].GetProperty("subject").GetString());
    }

    [Fact]
    public async Task SubmitReviews_WithUnsignedItems_Returns422ListingThem_AndSigningIsByTheNamedRoleOnly()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        using var inspector = await app.ClientForAsync("inspector");
        var list = await (await admin.GetAsync("/api/v1/cases?stage=reviewing")).ExpectAsync(HttpStatusCode.OK);
        var id = list.GetProperty("items")[0].Id(); // the demo case of 红旗村: self-assessment signed
        var reviewing = await admin.GetCaseAsync(id);

        var problem = await (await admin.ActAsync(id, "submit-reviews", reviewing.Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["cross-review", "villagers-review"], problem.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));

        await secretary.SignAsync(id, "villagers-review", HttpStatusCode.Forbidden);
        await secretary.SignAsync(id, "self-assessment", HttpStatusCode.Conflict);
        await admin.SignAsync(id, "no-such-item", HttpStatusCode.NotFound);
        await admin.SignAsync(id, "cross-review");
        await inspector.SignAsync(id, "villagers-review");
        Assert.Equal("accepting", (await admin.ActOkAsync(id, "submit-reviews")).Stage());
        await inspector.SignAsync(id, "villagers-review", HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task GetCase_ListsOnlyTheActionsTheCallerMayTake_WithBlockers()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        var created = await secretary.ProposeAsync(await app.OrgIdAsync("永安村"), "1");
        var confirmed = await admin.ActOkAsync(created.Id(), "confirm");
        var action = confirmed.GetProperty("actions").EnumerateArray().Single();
        Assert.Equal("assign", action.GetProperty("key").GetString());
        Assert.Equal(4, action.GetProperty("fields").GetArrayLength());
        Assert.All(action.GetProperty("fields").EnumerateArray(), f => Assert.True(f.GetProperty("required").GetBoolean()));
        Assert.Empty((await secretary.GetCaseAsync(created.Id())).GetProperty("actions").EnumerateArray());
    }

    [Fact]
    public async Task Unauthenticated_Returns401()
    {
        using var anonymous = app.CreateClient();
        await (await anonymous.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.Unauthorized);
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        await (await anonymous.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sign_WithoutIfMatch_Returns428()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var id = (await (await admin.GetAsync("/api/v1/cases?stage=reviewing")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].Id();
        var before = await admin.GetCaseAsync(id);
        await (await admin.PostAsJsonAsync($"/api/v1/cases/{id}/checklist/cross-review/sign", new { })).ExpectAsync((HttpStatusCode)428);
        Assert.Equal(before.Version(), (await admin.GetCaseAsync(id)).Version());
    }

    [Theory]
    [InlineData("page=abc")]
    [InlineData("page=0")]
    [InlineData("page=30000000&pageSize=100")]
    [InlineData("year=twenty")]
    public async Task ListCases_BadQuery_Returns400(string query)
    {
        using var admin = await app.ClientForAsync("county-admin");
        var problem = await (await admin.GetAsync($"/api/v1/cases?{query}")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }
}
