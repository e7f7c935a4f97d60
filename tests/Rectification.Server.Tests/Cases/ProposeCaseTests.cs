using System.Net;
using System.Net.Http.Json;
using System.Text;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Cases;

/// <summary>Proposing a branch: who may, for which villages, and how bad requests are answered without writing anything.</summary>
public sealed class ProposeCaseTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Propose_BySecretaryInOwnTownship_Returns201InProposedWithETag()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        var response = await secretary.PostAsJsonAsync("/api/v1/cases",
            new { villageId = await app.OrgIdAsync("长岭村"), year = 2026, situations = new[] { "2", "10" }, source = "township-report", note = "群众意见大" });
        var body = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/cases/{body.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal("proposed", body.Stage());
        Assert.Equal("长岭村", body.GetProperty("village").GetProperty("name").GetString());
        Assert.Equal("旺起镇", body.GetProperty("township").GetProperty("name").GetString());
        Assert.Equal(["2", "10"], body.GetProperty("situations").EnumerateArray().Select(s => s.GetProperty("code").GetString()));
        Assert.Equal("township-report", body.GetProperty("source").GetString());
        Assert.Equal("rectification", body.GetProperty("flow").GetString());
    }

    [Fact]
    public async Task Propose_ByInspectorAndCountyAdmin_AreAllowed()
    {
        using var inspector = await app.ClientForAsync("inspector");
        using var admin = await app.ClientForAsync("county-admin");
        var byInspector = await inspector.ProposeAsync(await app.OrgIdAsync("铁西村"), "6");
        var byAdmin = await admin.ProposeAsync(await app.OrgIdAsync("双河村"), "9");
        Assert.Equal("proposed", byInspector.Stage());
        Assert.Equal("proposed", byAdmin.Stage());
    }

    [Fact]
    public async Task Propose_SecretaryForVillageOfAnotherTownship_Returns403AndWritesNothing()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        var before = await CountCasesAsync();
        var response = await secretary.PostAsJsonAsync("/api/v1/cases",
            new { villageId = await app.OrgIdAsync("光明村"), year = 2026, situations = new[] { "1" }, source = "township-report" });
        var problem = await response.ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Contains("光明村", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountCasesAsync());
    }

    [Theory]
    [InlineData("first-secretary")]
    [InlineData("city-viewer")]
    public async Task Propose_ByRoleThatMayNotPropose_Returns403(string user)
    {
        using var client = await app.ClientForAsync(user);
        var response = await client.PostAsJsonAsync("/api/v1/cases",
            new { villageId = await app.OrgIdAsync("孟家村"), year = 2026, situations = new[] { "1" }, source = "township-report" });
        await response.ExpectAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Propose_SecondOpenCaseForVillageAndYear_Returns409()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var village = await app.OrgIdAsync("杨木村");
        await admin.ProposeAsync(village, "3");
        var response = await admin.PostAsJsonAsync("/api/v1/cases", new { villageId = village, year = 2026, situations = new[] { "4" }, source = "supervision-team" });
        var problem = await response.ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains("杨木村", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Propose_AfterDismissal_SameVillageAndYearMayBeProposedAgain()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var village = await app.OrgIdAsync("李家村");
        var first = await admin.ProposeAsync(village, "3");
        var dismissed = await admin.ActOkAsync(first.Id(), "dismiss", new { comment = "经研判不属于软弱涣散情形" });
        Assert.Equal("dismissed", dismissed.Stage());
        var second = await admin.ProposeAsync(village, "3", "4");
        Assert.NotEqual(first.Id(), second.Id());
    }

    [Fact]
    public async Task Propose_VillageListedInEarlierYears_CountsTheListings_ButNotDismissals()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var village = await app.OrgIdAsync("前二道村");
        async Task<System.Text.Json.JsonElement> ProposeIn(int year) =>
            await (await admin.PostAsJsonAsync("/api/v1/cases", new { villageId = village, year, situations = new[] { "4" }, source = "supervision-team" }))
                .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(1, (await ProposeIn(2024)).GetProperty("timesListed").GetInt32());
        var dismissed = await ProposeIn(2025);
        await admin.ActOkAsync(dismissed.Id(), "dismiss", new { comment = "经研判不予列入" });
        var now = await ProposeIn(2026);
        Assert.Equal(2, now.GetProperty("timesListed").GetInt32());
    }

    [Fact]
    public async Task Propose_MissingFields_Returns400NamingEachField()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var problem = await (await admin.PostAsJsonAsync("/api/v1/cases", new { note = "只有备注" })).ExpectAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "villageId", "year", "situations", "source" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        }
    }

    [Fact]
    public async Task Propose_UnknownSituationCode_Returns400NamingItsIndex()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await CountCasesAsync();
        var response = await admin.PostAsJsonAsync("/api/v1/cases",
            new { villageId = await app.OrgIdAsync("新立村"), year = 2026, situations = new[] { "1", "99" }, source = "township-report" });
        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("99", problem.GetProperty("errors").GetProperty("situations[1]")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountCasesAsync());
    }

    [Fact]
    public async Task Propose_UnknownVillageOrNotAVillage_Returns400NamingVillageId()
    {
        using var admin = await app.ClientForAsync("county-admin");
        foreach (var villageId in new[] { 999_999, await app.OrgIdAsync("旺起镇") })
        {
            var response = await admin.PostAsJsonAsync("/api/v1/cases", new { villageId, year = 2026, situations = new[] { "1" }, source = "township-report" });
            var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("villageId", out _));
        }
    }

    [Fact]
    public async Task Propose_BadSourceAndYear_Returns400NamingThem()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var response = await admin.PostAsJsonAsync("/api/v1/cases",
            new { villageId = await app.OrgIdAsync("永安村"), year = 1999, situations = new[] { "1" }, source = "rumour" });
        var errors = (await response.ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("year", out _));
        Assert.True(errors.TryGetProperty("source", out _));
    }

    [Theory]
    [InlineData("{\"villageId\": 5, \"year\": \"twenty\"}", "$.year")]
    [InlineData("{\"villageId\": 5, \"year\": 2026, \"situations\": [\"1\"], \"source\": \"township-report\", \"colour\": 1}", "$.colour")]
    [InlineData("{\"villageId\": 5, ", "$")]
    public async Task Propose_MalformedJson_Returns400ProblemNamingThePath(string body, string path)
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await CountCasesAsync();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var problem = await (await admin.PostAsync("/api/v1/cases", content)).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
        Assert.Contains(path, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Rectification.Server", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountCasesAsync());
    }

    [Fact]
    public async Task Propose_EmptyBody_Returns400()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var content = new StringContent("", Encoding.UTF8, "application/json");
        var problem = await (await admin.PostAsync("/api/v1/cases", content)).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    private async Task<int> CountCasesAsync()
    {
        using var viewer = await app.ClientForAsync("city-viewer");
        var page = await (await viewer.GetAsync("/api/v1/cases?pageSize=1")).ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("total").GetInt32();
    }
}
