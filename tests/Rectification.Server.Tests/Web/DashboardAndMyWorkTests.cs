using System.Net;
using System.Text.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Web;

/// <summary>The dashboard's figures and 我的待办 over the demo county, before and after deadlines pass on the fake clock.</summary>
public sealed class DashboardAndMyWorkTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task CountyDashboard_CountsStagesByTownship_GradesOverdue_AndChartsConversion()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var dashboard = await (await admin.GetAsync("/api/v1/dashboard")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2026, dashboard.GetProperty("year").GetInt32());
        Assert.Equal("乡镇", dashboard.GetProperty("unitKind").GetString());
        var stages = dashboard.GetProperty("stages").EnumerateArray().ToDictionary(s => s.GetProperty("stage").GetString()!, s => s.GetProperty("cases").GetInt32());
        foreach (var stage in new[] { "proposed", "assigning", "planning", "plan-review", "rectifying", "reviewing", "accepting" })
        {
            Assert.Equal(1, stages[stage]);
        }

        var units = Units(dashboard);
        Assert.Equal(["旺起镇", "江南乡", "前二道乡", "小白山乡"], units.Keys);
        Assert.Equal(5, units["旺起镇"].GetProperty("cases").GetInt32());
        Assert.Equal(2, units["江南乡"].GetProperty("cases").GetInt32());
        Assert.All(units.Values, u => Assert.Equal("green", u.GetProperty("grade").GetString()));

        // Pass acceptance for 胜利村: one conversion in March; six branches were confirmed (listed) in March.
        var accepting = await CaseInAsync(admin, "accepting");
        await (await admin.PutAsync($"/api/v1/cases/{accepting}/acceptance", await AcceptanceAsync(admin, accepting))).ExpectAsync(HttpStatusCode.OK);
        await admin.ActOkAsync(accepting, "pass");
        var conversion = (await (await admin.GetAsync("/api/v1/dashboard")).JsonAsync()).GetProperty("conversion").EnumerateArray().Single();
        var listed = conversion.GetProperty("listed").EnumerateArray().Select(x => x.GetInt32()).ToList();
        var converted = conversion.GetProperty("converted").EnumerateArray().Select(x => x.GetInt32()).ToList();
        Assert.Equal([0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], listed);
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], converted);

    }

    [Fact]
    public async Task CountyDashboard_InJuly_GradesTownshipsByWhatIsOverdue()
    {
        // July: 沿江村's measures (due in June) are overdue, all of 江南乡's open items: red. 旺起镇 has cases past their stage deadline: yellow.
        using var isolated = new RectificationApp();
        using (await isolated.ClientForAsync("county-admin"))
        {
            // The demo is seeded in March, as the app starts.
        }

        isolated.Clock.SetUtcNow(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.FromHours(8)));
        isolated.ForgetTokens();
        using var admin = await isolated.ClientForAsync("county-admin");
        var units = Units(await (await admin.GetAsync("/api/v1/dashboard")).ExpectAsync(HttpStatusCode.OK));
        var jiangnan = units["江南乡"];
        Assert.True(jiangnan.GetProperty("overdueItems").GetInt32() > 0);
        Assert.Equal(jiangnan.GetProperty("openItems").GetInt32(), jiangnan.GetProperty("overdueItems").GetInt32());
        Assert.Equal("red", jiangnan.GetProperty("grade").GetString());
        Assert.Equal(0, units["旺起镇"].GetProperty("overdueItems").GetInt32());
        Assert.True(units["旺起镇"].GetProperty("overdueCases").GetInt32() > 0);
        Assert.Equal("yellow", units["旺起镇"].GetProperty("grade").GetString());
        Assert.Equal("green", units["小白山乡"].GetProperty("grade").GetString());
    }

    [Fact]
    public async Task CityDashboard_HasOneRowAndOneSeriesPerCounty_AndRefusesAnImpossibleYear()
    {
        using var city = await app.ClientForAsync("city-viewer");
        var dashboard = await (await city.GetAsync("/api/v1/dashboard")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("县(市区)", dashboard.GetProperty("unitKind").GetString());
        Assert.Equal("丰满区", Assert.Single(dashboard.GetProperty("units").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("丰满区", Assert.Single(dashboard.GetProperty("conversion").EnumerateArray()).GetProperty("name").GetString());

        var refused = await (await city.GetAsync("/api/v1/dashboard?year=1999")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("year", out _));
    }

    [Fact]
    public async Task MyWork_ShowsEachRoleItsOwnWork_InItsOwnTownship()
    {
        using var secretary = await app.ClientForAsync("township-secretary"); // 旺起镇
        var work = await (await secretary.GetAsync("/api/v1/my-work")).ExpectAsync(HttpStatusCode.OK);
        var planning = Assert.Single(work.EnumerateArray(), w => w.GetProperty("kind").GetString() == "action");
        Assert.Equal("东兴村", planning.GetProperty("village").GetString());
        Assert.Equal("提交整顿方案", planning.GetProperty("task").GetString());
        Assert.Equal(15, planning.GetProperty("workingDaysLeft").GetInt32());
        Assert.All(work.EnumerateArray(), w => Assert.Equal("旺起镇", w.GetProperty("township").GetString()));

        using var other = await app.ClientForAsync("township-secretary-2"); // 江南乡: 沿江村's open measures to report
        var items = (await (await other.GetAsync("/api/v1/my-work")).JsonAsync()).EnumerateArray().Where(w => w.GetProperty("kind").GetString() == "report").ToList();
        Assert.NotEmpty(items);
        Assert.All(items, w => Assert.Equal("沿江村", w.GetProperty("village").GetString()));

        using var inspector = await app.ClientForAsync("inspector");
        var signs = (await (await inspector.GetAsync("/api/v1/my-work")).JsonAsync()).EnumerateArray().Where(w => w.GetProperty("kind").GetString() == "checklist").ToList();
        Assert.Contains(signs, w => w.GetProperty("village").GetString() == "红旗村" && w.GetProperty("task").GetString() == "签字确认：群众点评");

        using var viewer = await app.ClientForAsync("city-viewer");
        Assert.Empty((await (await viewer.GetAsync("/api/v1/my-work")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    private static Dictionary<string, JsonElement> Units(JsonElement dashboard) =>
        dashboard.GetProperty("units").EnumerateArray().ToDictionary(u => u.GetProperty("name").GetString()!);

    private static async Task<int> CaseInAsync(HttpClient client, string stage)
    {
        var cases = await (await client.GetAsync($"/api/v1/cases?stage={stage}")).JsonAsync();
        return cases.GetProperty("items").EnumerateArray().First().GetProperty("id").GetInt32();
    }

    /// <summary>Full marks and a satisfied village, with If-Match at the case's version.</summary>
    private static async Task<HttpContent> AcceptanceAsync(HttpClient client, int id)
    {
        var sheet = await (await client.GetAsync($"/api/v1/cases/{id}/acceptance")).JsonAsync();
        var scores = sheet.GetProperty("sheet").GetProperty("areas").EnumerateArray().SelectMany(a => a.GetProperty("items").EnumerateArray())
            .ToDictionary(i => i.GetProperty("key").GetString()!, i => i.GetProperty("points").GetDecimal());
        var version = (await client.GetCaseAsync(id)).GetProperty("version").GetInt32();
        var content = System.Net.Http.Json.JsonContent.Create(new { scores, rating = new { satisfied = 9, basicallySatisfied = 1, dissatisfied = 0 } });
        client.DefaultRequestHeaders.IfMatch.Clear();
        client.DefaultRequestHeaders.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\""));
        return content;
    }
}
