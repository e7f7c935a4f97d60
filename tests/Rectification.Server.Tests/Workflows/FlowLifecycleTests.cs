using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Workflows;

/// <summary>A county office configures its own flow: draft, validate, publish with a diff, and only its new cases use it.</summary>
public sealed class FlowLifecycleTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task CountyFlow_Published_OnlyThatCountysNewCasesUseIt_AndRoutesBySituation()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await admin.ProposeAsync(await app.OrgIdAsync("五家子村"), "6");
        var version = await PublishAsync(admin, Flows.CountyVariant);
        Assert.Equal(2, version.GetProperty("version").GetInt32());
        Assert.Equal(1, version.GetProperty("previousVersion").GetInt32());
        var changes = version.GetProperty("changes").EnumerateArray().Select(c => $"{c.GetProperty("kind").GetString()} {c.GetProperty("path").GetString()}").ToList();
        Assert.Contains("added stages[crackdown]", changes);
        Assert.Contains("changed stages[planning].deadline", changes);
        Assert.Contains("changed stages[proposed].actions[confirm].to", changes);
        Assert.Contains("changed stages[reviewing].checklist[villagers-review].role", changes);
        Assert.Contains("added stages[reviewing].checklist[democratic-rating]", changes);

        // Cases already running stay on version 1; new ones in 丰满区 start on the county's version 2.
        Assert.Equal(1, (await admin.GetCaseAsync(before.Id())).GetProperty("flowVersion").GetInt32());
        var crackdown = await admin.ProposeAsync(await app.OrgIdAsync("长岭村"), "6", "1");
        var ordinary = await admin.ProposeAsync(await app.OrgIdAsync("杨木村"), "1");
        Assert.Equal(2, crackdown.GetProperty("flowVersion").GetInt32());
        Assert.Equal("crackdown", (await admin.ActOkAsync(crackdown.Id(), "confirm")).Stage());
        Assert.Equal("assigning", (await admin.ActOkAsync(ordinary.Id(), "confirm")).Stage());

        // Another county still gets the default: the city adds 船营区 and proposes a branch there.
        using var city = await app.ClientForAsync("city-admin");
        var county = await CreateAsync(city, await app.OrgIdAsync("吉林市"), "220204", "船营区");
        var township = await CreateAsync(city, county, "220204100", "大绥河镇");
        var village = await CreateAsync(city, township, "220204100201", "大绥河村");
        var elsewhere = await city.ProposeAsync(village, "6");
        Assert.Equal(1, elsewhere.GetProperty("flowVersion").GetInt32());
        Assert.Equal("assigning", (await city.ActOkAsync(elsewhere.Id(), "confirm")).Stage());

        // The county sees its version in force; the city sees the default and every county's versions.
        var forCounty = await (await admin.GetAsync("/api/v1/workflows/rectification")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, forCounty.GetProperty("version").GetInt32());
        var forCity = await (await city.GetAsync("/api/v1/workflows/rectification")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, forCity.GetProperty("version").GetInt32());
        Assert.Equal([1, 2], forCity.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));

        var history = await (await admin.GetAsync("/api/v1/workflows/rectification/history")).ExpectAsync(HttpStatusCode.OK);
        var published = history.EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "flow-published");
        Assert.Contains("刘组织", published.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Contains(published.GetProperty("detail").GetProperty("changes").EnumerateArray(),
            c => c.GetString() == "changed stages[planning].deadline: 15 working days → 20 working days");
    }

    [Fact]
    public async Task Draft_WithErrors_IsSavedButNotPublished_AndNothingChanges()
    {
        using var city = await app.ClientForAsync("city-admin");
        var broken = Flows.Default.Replace("to: plan-review", "to: plan-reveiw", StringComparison.Ordinal);
        var draft = await (await city.PostAsync("/api/v1/workflows", Flows.Yaml(broken))).ExpectAsync(HttpStatusCode.Created);
        Assert.False(draft.GetProperty("valid").GetBoolean());
        var error = draft.GetProperty("diagnostics").EnumerateArray().First(d => d.GetProperty("severity").GetString() == "error");
        Assert.Equal("stages[planning].actions[submit-plan].to", error.GetProperty("field").GetString());
        Assert.Equal(51, error.GetProperty("line").GetInt32());

        var versionsBefore = await VersionsAsync(city);
        var problem = await (await city.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null))
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotEmpty(problem.GetProperty("diagnostics").EnumerateArray());
        Assert.Equal(versionsBefore, await VersionsAsync(city));
        await (await city.GetAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}")).ExpectAsync(HttpStatusCode.OK);

        // Saving again replaces the same draft; once fixed it publishes.
        var fixedDraft = await (await city.PostAsync("/api/v1/workflows", Flows.Yaml(Flows.Default.Replace("name: 一村一策", "name: 一村一策方案", StringComparison.Ordinal))))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(draft.Id(), fixedDraft.Id());
        Assert.True(fixedDraft.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Publish_RacingForTheSameDraft_OneWinsTheRestGet409()
    {
        using var city = await app.ClientForAsync("city-admin");
        // A flow of its own key, so no other test's draft of the default is involved.
        var pilot = Flows.Default.Replace("key: rectification", "key: pilot", StringComparison.Ordinal);
        var draft = await (await city.PostAsync("/api/v1/workflows", Flows.Yaml(pilot))).ExpectAsync(HttpStatusCode.Created);
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.ClientForAsync("city-admin")));
        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync($"/api/v1/workflows/pilot/drafts/{draft.Id()}/publish", null)));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Validate_ReportsEachErrorClassWithItsLine_AndWarnsOfALoopWithoutDeadline()
    {
        using var admin = await app.ClientForAsync("county-admin");
        const string yaml = """
            key: strict
            name: 严格流程
            start: open
            stages:
              - key: open
                name: 开始
                roles: [county-admin, mayor]
                deadline: someday
                checklist:
                  - { key: sign, name: 签字, role: inspector }
                actions:
                  - key: go
                    name: 前进
                    roles: [county-admin]
                    to: nowhere
                  - key: go
                    name: 重复
                    roles: [county-admin]
                    to: ping
              - key: ping
                name: 往
                actions:
                  - key: pong
                    name: 返
                    roles: [county-admin]
                    to: pong
              - key: pong
                name: 来
                actions:
                  - key: ping
                    name: 往
                    roles: [county-admin]
                    to: ping
              - key: stuck
                name: 死胡同
            """;
        var report = await (await admin.PostAsync("/api/v1/workflows/validate", Flows.Yaml(yaml))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(report.GetProperty("valid").GetBoolean());
        var found = report.GetProperty("diagnostics").EnumerateArray()
            .Select(d => $"{d.GetProperty("severity").GetString()} {d.GetProperty("line").GetInt32()} {d.GetProperty("field").GetString()}")
            .ToList();
        Assert.Contains("error 7 stages[open].roles", found);
        Assert.Contains("error 8 stages[open].deadline", found);
        Assert.Contains("error 10 stages[open].checklist[sign].role", found);
        Assert.Contains("error 15 stages[open].actions[go].to", found);
        Assert.Contains("error 16 stages[open].actions[go].key", found);
        Assert.Contains("error 34 stages[stuck]", found);
        Assert.Contains(found, d => d.StartsWith("warning 20 stages[ping]", StringComparison.Ordinal));
        Assert.All(report.GetProperty("diagnostics").EnumerateArray(), d => Assert.False(string.IsNullOrEmpty(d.GetProperty("messageZh").GetString())));
    }

    [Fact]
    public async Task HostileUploads_AreRefused_AndTheFlowInForceKeepsServing()
    {
        using var city = await app.ClientForAsync("city-admin");
        var before = await VersionsAsync(city);

        using var huge = new ByteArrayContent(new byte[10 * 1024 * 1024]);
        huge.Headers.ContentType = new("application/yaml");
        await (await city.PostAsync("/api/v1/workflows", huge)).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);

        using var latin1 = new ByteArrayContent([.. Encoding.UTF8.GetBytes("key: x\nname: "), 0xC9, 0xFA, 0x0A]);
        latin1.Headers.ContentType = new("application/yaml");
        var notUtf8 = await (await city.PostAsync("/api/v1/workflows/validate", latin1)).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(notUtf8.GetProperty("errors").TryGetProperty("body", out _));

        var bomb = new StringBuilder("key: bomb\nname: b\nstart: a\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            bomb.Append(CultureInfo($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"));
        }

        var bombReport = await (await city.PostAsync("/api/v1/workflows/validate", Flows.Yaml(bomb.ToString()))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(bombReport.GetProperty("valid").GetBoolean());
        Assert.Equal(4, bombReport.GetProperty("diagnostics")[0].GetProperty("line").GetInt32());
        await (await city.PostAsync("/api/v1/workflows", Flows.Yaml(bomb.ToString()))).ExpectAsync(HttpStatusCode.UnprocessableEntity);

        var deep = "key: deep\nname: d\nstart: a\nx: " + new string('[', 500) + new string(']', 500) + "\n";
        var deepReport = await (await city.PostAsync("/api/v1/workflows/validate", Flows.Yaml(deep))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("(syntax)", deepReport.GetProperty("diagnostics")[0].GetProperty("field").GetString());

        await (await city.PostAsync("/api/v1/workflows", Flows.Yaml(""))).ExpectAsync(HttpStatusCode.BadRequest);
        var badKey = await (await city.PostAsync("/api/v1/workflows/validate", Flows.Yaml(Flows.Default.Replace("key: rectification", "key: \"evil/x\"", StringComparison.Ordinal))))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(badKey.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("field").GetString() == "key");
        using var secretary = await app.ClientForAsync("township-secretary");
        await (await secretary.PostAsync("/api/v1/workflows", Flows.Yaml(Flows.Default))).ExpectAsync(HttpStatusCode.Forbidden);

        Assert.Equal(before, await VersionsAsync(city));
        using var admin = await app.ClientForAsync("county-admin");
        var still = await admin.ProposeAsync(await app.OrgIdAsync("李家村"), "2");
        Assert.Equal("proposed", still.Stage());
    }

    [Fact]
    public async Task Diagram_AsSvg_IsDrawnByTheServiceWithTheCasesStageHighlighted()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var planning = (await (await admin.GetAsync("/api/v1/cases?stage=planning")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        var response = await admin.GetAsync($"/api/v1/workflows/rectification/diagram?format=svg&caseId={planning.Id()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var svg = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        var current = svg.Descendants().Single(e => (string?)e.Attribute("class") == "current");
        Assert.Equal("stage-planning", (string?)current.Attribute("id"));
        await (await admin.GetAsync("/api/v1/workflows/rectification/diagram?format=png")).ExpectAsync(HttpStatusCode.BadRequest);
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    private static async Task<JsonElement> PublishAsync(HttpClient admin, string yaml)
    {
        var draft = await (await admin.PostAsync("/api/v1/workflows", Flows.Yaml(yaml))).ExpectAsync(HttpStatusCode.Created);
        Assert.True(draft.GetProperty("valid").GetBoolean(), draft.ToString());
        return await (await admin.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null)).ExpectAsync(HttpStatusCode.Created);
    }

    private static async Task<int> CreateAsync(HttpClient city, int parentId, string code, string name) =>
        (await (await city.PostAsJsonAsync("/api/v1/orgs", new { parentId, code, name })).ExpectAsync(HttpStatusCode.Created)).Id();

    private static async Task<string> VersionsAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/v1/workflows")).ExpectAsync(HttpStatusCode.OK)).ToString();
}
