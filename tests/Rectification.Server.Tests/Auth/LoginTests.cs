using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Auth;

/// <summary>Signing in: tokens, no hints on failure, lockout after repeated failures, expiry.</summary>
public sealed class LoginTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Login_WrongPasswordOrUnknownUser_Returns401WithTheSameAnswer()
    {
        using var client = app.CreateClient();
        var wrongPassword = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "nope" }))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        var unknownUser = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "nobody", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(wrongPassword.GetProperty("detail").GetString(), unknownUser.GetProperty("detail").GetString());
        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownUser.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Login_MissingFields_Returns400NamingThem()
    {
        using var client = app.CreateClient();
        var problem = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "" })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Login_FiveFailures_LocksAccountForFifteenMinutes()
    {
        using var client = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "township-secretary-2", password = $"guess{i}" }))
                .ExpectAsync(HttpStatusCode.Unauthorized);
        }

        // Even the right password is refused while locked, with the same answer as any failure.
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "township-secretary-2", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var ok = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "township-secretary-2", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(ok.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task Token_AfterItsLifetime_Returns401()
    {
        using var client = app.CreateClient();
        var login = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "first-secretary", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.OK);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("token").GetString());
        await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        app.Clock.Advance(TimeSpan.FromHours(9));
        await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("county-admin", "county-admin", "丰满区", "county")]
    [InlineData("township-secretary", "township-secretary", "旺起镇", "township")]
    [InlineData("township-secretary-2", "township-secretary", "江南乡", "township")]
    [InlineData("inspector", "inspector", "丰满区", "county")]
    [InlineData("first-secretary", "first-secretary", "孟家村", "village")]
    [InlineData("city-viewer", "city-viewer", "吉林市", "city")]
    public async Task Me_DemoAccounts_ShowRoleAndOrgUnit(string user, string role, string unit, string level)
    {
        app.ForgetTokens(); // other tests in this class move the clock past token lifetimes
        using var client = await app.ClientForAsync(user);
        var me = await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(user, me.GetProperty("username").GetString());
        Assert.Equal([role], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(unit, me.GetProperty("orgUnit").GetProperty("name").GetString());
        Assert.Equal(level, me.GetProperty("orgUnit").GetProperty("level").GetString());
    }

    [Fact]
    public async Task Login_ParallelWrongPasswords_StillLockTheAccount()
    {
        using var client = app.CreateClient();
        var guesses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = $"guess{i}" })));
        Assert.All(guesses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));

        // Twelve parallel guesses are more than the limit of five: the right password is refused now.
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.OK);
        app.ForgetTokens();
    }

    [Fact]
    public async Task Login_UserNameInAnotherCase_SignsInTheSameAccount()
    {
        using var client = app.CreateClient();
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "City-Viewer", password = "Demo@2026" }))
            .ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_OverlongUserName_Returns400()
    {
        using var client = app.CreateClient();
        var problem = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = new string('a', 5000), password = "x" }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
    }

    [Fact]
    public async Task Refusals_SayWhatIsMissing()
    {
        using var anonymous = app.CreateClient();
        var unauthorized = await (await anonymous.GetAsync("/api/v1/orgs")).ExpectAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", unauthorized.GetProperty("detail").GetString(), StringComparison.Ordinal);

        app.ForgetTokens();
        using var secretary = await app.ClientForAsync("township-secretary");
        var forbidden = await (await secretary.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Contains("county-admin", forbidden.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
