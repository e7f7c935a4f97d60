using System.Net;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Orgs;

/// <summary>The org tree each user sees, and county admins adding units and accounts within their county only.</summary>
public sealed class OrgAndUserTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Theory]
    [InlineData("city-viewer", 55)]
    [InlineData("county-admin", 54)]
    [InlineData("township-secretary", 15)]
    [InlineData("first-secretary", 1)]
    public async Task Orgs_ShowTheCallersSubtree(string user, int expected)
    {
        using var client = await app.ClientForAsync(user);
        var orgs = await (await client.GetAsync("/api/v1/orgs")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(orgs.GetArrayLength() >= expected, $"{user} sees {orgs.GetArrayLength()} units");
        if (user == "city-viewer")
        {
            Assert.Equal(49, orgs.EnumerateArray().Count(o => o.GetProperty("level").GetString() == "village" && IsSeeded(o)));
        }
    }

    [Fact]
    public async Task AddUnitAndUser_ByCountyAdmin_NewSecretaryActsInNewTownshipOnly()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var county = await app.OrgIdAsync("丰满区");
        var township = await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = county, code = "220211203", name = "测试镇" }))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("township", township.GetProperty("level").GetString());
        var village = await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = township.Id(), code = "220211203201", name = "测试村" }))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("village", village.GetProperty("level").GetString());

        var user = await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "ceshi-secretary",
            displayName = "测试镇党委书记",
            password = "Secret2026",
            orgUnitId = township.Id(),
            roles = new[] { "township-secretary" },
        }))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.False(user.TryGetProperty("passwordHash", out _));

        using var anonymous = app.CreateClient();
        var login = await (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { username = "ceshi-secretary", password = "Secret2026" }))
            .ExpectAsync(HttpStatusCode.OK);
        using var secretary = app.CreateClient();
        secretary.DefaultRequestHeaders.Authorization = new("Bearer", login.GetProperty("token").GetString());
        var orgs = await (await secretary.GetAsync("/api/v1/orgs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["测试镇", "测试村"], orgs.EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        var created = await secretary.ProposeAsync(village.Id(), "1");
        Assert.Equal("测试村", created.GetProperty("village").GetProperty("name").GetString());
        await (await secretary.GetAsync("/api/v1/cases/1")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AddUnit_OutsideCountyOrDuplicateCode_IsRefused()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var city = await app.OrgIdAsync("吉林市");
        var outside = await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = city, code = "220299", name = "别的区" }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(outside.GetProperty("errors").TryGetProperty("parentId", out _));
        await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = await app.OrgIdAsync("旺起镇"), code = "220211100201", name = "重复村" }))
            .ExpectAsync(HttpStatusCode.Conflict);
        var underVillage = await (await admin.PostAsJsonAsync("/api/v1/orgs", new { parentId = await app.OrgIdAsync("旺起村"), code = "X1", name = "村下" }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(underVillage.GetProperty("errors").TryGetProperty("parentId", out _));
    }

    [Fact]
    public async Task AddUser_BadInput_Returns400NamingFields_AndOnlyCountyAdminsMayAdd()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var problem = await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "x",
            displayName = "",
            password = "short",
            orgUnitId = await app.OrgIdAsync("旺起镇"),
            roles = new[] { "emperor" },
        }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "username", "displayName", "password", "roles[0]" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        }

        var misplaced = await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "wrong-level",
            displayName = "放错层级",
            password = "Secret2026",
            orgUnitId = await app.OrgIdAsync("旺起村"),
            roles = new[] { "county-admin" },
        }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(misplaced.GetProperty("errors").TryGetProperty("roles", out _));

        await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "inspector",
            displayName = "重名",
            password = "Secret2026",
            orgUnitId = await app.OrgIdAsync("丰满区"),
            roles = new[] { "inspector" },
        }))
            .ExpectAsync(HttpStatusCode.Conflict);

        using var secretary = await app.ClientForAsync("township-secretary");
        await (await secretary.PostAsJsonAsync("/api/v1/users", new { username = "sneaky" })).ExpectAsync(HttpStatusCode.Forbidden);
        await (await secretary.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.Forbidden);
        await (await secretary.PostAsJsonAsync("/api/v1/orgs", new { parentId = 1, code = "Z", name = "Z" })).ExpectAsync(HttpStatusCode.Forbidden);
        var users = await (await admin.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(users.EnumerateArray(), u => u.GetProperty("username").GetString() == "city-viewer");
    }

    private static bool IsSeeded(System.Text.Json.JsonElement org) => org.GetProperty("code").GetString()!.StartsWith("220211", StringComparison.Ordinal);

    [Fact]
    public async Task AddUser_NullRoleOrLookAlikeName_IsRefusedWithout500()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var problem = await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "someone",
            displayName = "某人",
            password = "Secret2026",
            orgUnitId = await app.OrgIdAsync("丰满区"),
            roles = new string?[] { null },
        }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("roles[0]", out _));

        await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "Inspector",
            displayName = "冒名",
            password = "Secret2026",
            orgUnitId = await app.OrgIdAsync("丰满区"),
            roles = new[] { "inspector" },
        }))
            .ExpectAsync(HttpStatusCode.Conflict);
    }
}
