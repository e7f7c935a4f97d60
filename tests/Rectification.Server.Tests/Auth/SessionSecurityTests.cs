using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Auth;

/// <summary>Sessions end when they should: a password change (one's own, or a reset by the county) revokes every token
/// issued before it; sign-ins from one address are rate-limited; and neither passwords nor tokens reach the logs.</summary>
public sealed class SessionSecurityTests(SessionSecurityTests.App app) : IClassFixture<SessionSecurityTests.App>
{
    private const string NewPassword = "Xinmima2026";

    [Fact]
    public async Task OwnPasswordChange_RevokesEarlierTokens_AndOnlyTheNewPasswordSignsIn()
    {
        var before = await TokenAsync("first-secretary", "Demo@2026");
        using var client = Bearer(before);
        await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);

        var wrong = await (await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Guess@2026", newPassword = NewPassword }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(wrong.GetProperty("errors").TryGetProperty("currentPassword", out _));
        var weak = await (await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Demo@2026", newPassword = "short" }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(weak.GetProperty("errors").TryGetProperty("newPassword", out _));
        await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);

        await (await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Demo@2026", newPassword = NewPassword }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.Unauthorized);
        await (await SignInAsync("first-secretary", "Demo@2026")).ExpectAsync(HttpStatusCode.Unauthorized);
        using var after = Bearer(await TokenAsync("first-secretary", NewPassword));
        await (await after.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CountyAdminReset_RevokesTheAccountsTokens_WithinTheCountyOnly()
    {
        var secretary = await TokenAsync("township-secretary-2", "Demo@2026");
        using var admin = await app.ClientForAsync("county-admin");
        var users = await (await admin.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.OK);
        var id = users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == "township-secretary-2").Id();

        using var other = await app.ClientForAsync("township-secretary");
        await (await other.PostAsJsonAsync($"/api/v1/users/{id}/password", new { newPassword = NewPassword })).ExpectAsync(HttpStatusCode.Forbidden);
        using var city = await app.ClientForAsync("city-viewer");
        var cityAdmin = (await (await city.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray()
            .Single(u => u.GetProperty("username").GetString() == "city-admin").Id();
        await (await admin.PostAsJsonAsync($"/api/v1/users/{cityAdmin}/password", new { newPassword = NewPassword })).ExpectAsync(HttpStatusCode.NotFound);
        using (var stillValid = Bearer(secretary))
        {
            await (await stillValid.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        }

        await (await admin.PostAsJsonAsync($"/api/v1/users/{id}/password", new { newPassword = NewPassword })).ExpectAsync(HttpStatusCode.NoContent);
        using var revoked = Bearer(secretary);
        await (await revoked.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.Unauthorized);
        await TokenAsync("township-secretary-2", NewPassword);
    }

    [Fact]
    public async Task SignIns_FromOneAddress_AreLimited_EvenWithTheRightPassword()
    {
        using var limited = new App { SignInsPerMinute = 3 };
        using var client = limited.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "Demo@2026" })).ExpectAsync(HttpStatusCode.OK);
        }

        var refused = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "Demo@2026" });
        var problem = await refused.ExpectAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        // Reading the page is not an attempt.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
    }

    [Fact]
    public async Task Logs_AtDebugLevel_HoldNeitherPasswordsNorTokens()
    {
        // The service as it runs in production, a process with its own logging configuration, only turned up to Debug.
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            string token;
            const string mistyped = "Mistyped#Secret2026";
            using (var service = Rectification.Processes.ServiceProcess.Start(directory, new Dictionary<string, string>
            {
                ["ConnectionStrings:Rectification"] = $"Data Source={Path.Combine(directory, "rectification.db")}",
                ["Demo:Seed"] = "true",
                ["Serilog:MinimumLevel:Default"] = "Debug",
                ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug",
                ["Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore"] = "Debug",
            }))
            {
                await service.WaitHealthyAsync(TimeSpan.FromMinutes(1));
                using var client = new HttpClient { BaseAddress = new Uri(service.Url) };
                await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = mistyped })).ExpectAsync(HttpStatusCode.Unauthorized);
                await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = mistyped, password = "Demo@2026" })).ExpectAsync(HttpStatusCode.Unauthorized);
                var signedIn = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "inspector", password = "Demo@2026" })).ExpectAsync(HttpStatusCode.OK);
                token = signedIn.GetProperty("token").GetString()!;
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                await (await client.GetAsync("/api/v1/ledger")).ExpectAsync(HttpStatusCode.OK);
                await (await client.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Demo@2026", newPassword = "Another2026x" }))
                    .ExpectAsync(HttpStatusCode.NoContent);
                await (await client.GetAsync("/api/v1/ledger")).ExpectAsync(HttpStatusCode.Unauthorized);
            }

            // The file sink writes each event through (it is not buffered), so after the kill the files hold everything.
            var logs = string.Join("\n", Directory.GetFiles(Path.Combine(directory, "logs")).Select(ReadShared));
            Assert.Contains("inspector", logs, StringComparison.Ordinal);
            Assert.Contains("/api/v1/me/password", logs, StringComparison.Ordinal);
            foreach (var secret in new[] { mistyped, "Demo@2026", "Another2026x", token, token[..24] })
            {
                Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private async Task<HttpResponseMessage> SignInAsync(string username, string password)
    {
        using var client = app.CreateClient();
        return await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password });
    }

    private async Task<string> TokenAsync(string username, string password) =>
        (await (await SignInAsync(username, password)).ExpectAsync(HttpStatusCode.OK)).GetProperty("token").GetString()!;

    private HttpClient Bearer(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The service with a sign-in limit a test can reach.</summary>
    public sealed class App : RectificationApp
    {
        public int SignInsPerMinute { get; init; } = 10000;

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Auth:SignInsPerMinute"] = SignInsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
