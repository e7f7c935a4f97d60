using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Web;

/// <summary>The pages over plain HTTP: sign-in, CSRF refusals, role refusals, stale forms, headers and cookies.</summary>
public sealed partial class WebPageTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Anonymous_IsSentToTheLoginPage()
    {
        using var client = NewClient();
        var response = await client.GetAsync("/ledger");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?ReturnUrl=%2Fledger", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task WrongPassword_IsRefusedInChinese_AndTheNameIsKept()
    {
        using var client = NewClient();
        var token = await TokenAsync(client, "/login");
        var response = await client.PostAsync("/login", Form(("username", "township-secretary"), ("password", "wrong"), ("__RequestVerificationToken", token)));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("用户名或密码错误", html, StringComparison.Ordinal);
        Assert.Contains("value=\"township-secretary\"", html, StringComparison.Ordinal);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var set) ? set.ToList() : [];
        Assert.DoesNotContain(cookies, c => c.StartsWith("rectification=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_SetsAnHttpOnlyLaxCookie_ThatTheApiDoesNotAccept()
    {
        using var client = NewClient();
        var token = await TokenAsync(client, "/login");
        var response = await client.PostAsync("/login", Form(("username", "county-admin"), ("password", "Demo@2026"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("rectification=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires", cookie, StringComparison.OrdinalIgnoreCase); // a session cookie

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboard")).StatusCode);
        // A cookie never authorises the API, so the API needs no CSRF defence.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task SignIn_OverHttps_MarksEveryCookieSecure()
    {
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        var token = await TokenAsync(client, "/login");
        var response = await client.PostAsync("/login", Form(("username", "inspector"), ("password", "Demo@2026"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith("rectification=", StringComparison.Ordinal));
        // Cookies being set, not the ones being cleared (expired at once, they carry nothing).
        var set = cookies.Where(c => !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.Ordinal)).ToList();
        Assert.All(set, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.All(set, c => Assert.Contains("httponly", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PasswordChange_EndsThePageSessionsSignedInBefore()
    {
        // An account of its own, so the demo accounts the other tests sign in with keep their password.
        using var admin = await app.ClientForAsync("county-admin");
        var user = await (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "session-test", displayName = "会话测试", password = "Demo@2026", orgUnitId = await app.OrgIdAsync("丰满区"), roles = new[] { "inspector" },
        })).ExpectAsync(HttpStatusCode.Created);
        using var pages = await SignedInAsync("session-test");
        Assert.Equal(HttpStatusCode.OK, (await pages.GetAsync("/ledger")).StatusCode);
        await (await admin.PostAsJsonAsync($"/api/v1/users/{user.Id()}/password", new { newPassword = "Shiji2026ok" })).ExpectAsync(HttpStatusCode.NoContent);

        var after = await pages.GetAsync("/ledger");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/login", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostWithoutTheAntiForgeryToken_IsRefused_AndChangesNothing()
    {
        using var client = await SignedInAsync("county-admin");
        using var api = await app.ClientForAsync("county-admin");
        var id = await app.CaseIdAsync("旺起村");
        var before = (await api.GetCaseAsync(id)).GetProperty("version").GetInt32();

        var response = await client.PostAsync($"/cases/{id}?handler=Act", Form(("action", "confirm"), ("version", before.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, (await api.GetCaseAsync(id)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task StaleForm_IsRefusedWith409_TheTypedCommentKept_AndNothingChanged()
    {
        using var client = await SignedInAsync("county-admin");
        using var api = await app.ClientForAsync("county-admin");
        var id = await app.CaseIdAsync("孟家村"); // in 包保落实
        var token = await TokenAsync(client, $"/cases/{id}");
        var current = (await api.GetCaseAsync(id)).GetProperty("version").GetInt32();

        var response = await client.PostAsync($"/cases/{id}?handler=Act", Form(("action", "assign"), ("version", (current - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("comment", "已落实四个一包保"), ("field.countyLeader", "孙副区长"), ("__RequestVerificationToken", token)));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("该案件刚被他人更新", html, StringComparison.Ordinal);
        Assert.Contains("已落实四个一包保</textarea>", html, StringComparison.Ordinal);
        Assert.Contains("value=\"孙副区长\"", html, StringComparison.Ordinal);
        Assert.Equal(current, (await api.GetCaseAsync(id)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task FlowConfiguration_IsForCountyAdminsOnly()
    {
        using var secretary = await SignedInAsync("township-secretary");
        var response = await secretary.GetAsync("/flows/rectification");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        using var admin = await SignedInAsync("county-admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/flows/rectification")).StatusCode);
    }

    [Fact]
    public async Task Pages_CarryHeadersThatKeepEverythingOnThisService()
    {
        using var client = NewClient();
        var response = await client.GetAsync("/login");
        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(ExternalReference(), html);
    }

    [Fact]
    public async Task LedgerExport_FromThePage_HasTheFilteredItems()
    {
        using var client = await SignedInAsync("township-secretary-2"); // 江南乡
        var response = await client.GetAsync("/ledger?handler=export&status=open");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var sheets = MiniExcelLibs.MiniExcel.GetSheetNames(stream);
        Assert.Contains("江南乡", sheets);
        Assert.DoesNotContain("旺起镇", sheets);
    }

    [Fact]
    public async Task RefusedReport_KeepsNoPhoto_AndChangesNothing()
    {
        using var api = await app.ClientForAsync("township-secretary-2");
        var id = await app.CaseIdAsync("沿江村"); // 江南乡, 集中整顿, open measures
        var ledger = await (await api.GetAsync($"/api/v1/ledger?status=open")).JsonAsync();
        var item = ledger.GetProperty("items").EnumerateArray().First(i => i.GetProperty("caseId").GetInt32() == id).GetProperty("id").GetInt32();
        var before = (await api.GetCaseAsync(id)).GetProperty("version").GetInt32();
        using var client = await SignedInAsync("township-secretary-2");
        var token = await TokenAsync(client, $"/cases/{id}");

        using var form = new MultipartFormDataContent
        {
            { new StringContent(item.ToString(System.Globalization.CultureInfo.InvariantCulture)), "item" },
            { new StringContent(new string('很', 2001)), "note" }, // one character too many for the report
            { new StringContent(token), "__RequestVerificationToken" },
        };
        var photo = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        photo.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(photo, "photo", "照片.png");
        var response = await client.PostAsync($"/cases/{id}?handler=Report", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("说明：请说明完成情况（最多2000字）。", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await api.GetCaseAsync(id)).GetProperty("version").GetInt32());
        Assert.Empty((await (await api.GetAsync($"/api/v1/ledger/{item}/evidence")).JsonAsync()).EnumerateArray());
        Assert.Empty(Directory.Exists(Path.Combine(app.DataDirectory, "evidence", id.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            ? Directory.GetFiles(Path.Combine(app.DataDirectory, "evidence", id.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            : []);
    }

    [Fact]
    public async Task PlanRowCommand_KeepsTheVersionTheEditorWasLoadedAt()
    {
        using var api = await app.ClientForAsync("township-secretary");
        var id = await app.CaseIdAsync("东兴村"); // in 一村一策
        var current = (await api.GetCaseAsync(id)).GetProperty("version").GetInt32();
        using var client = await SignedInAsync("township-secretary");
        var token = await TokenAsync(client, $"/cases/{id}");
        var stale = (current - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var response = await client.PostAsync($"/cases/{id}?handler=Plan", Form(("version", stale), ("command", "add-problem"),
            ("Editor.Problems[0].Description", "写到一半的问题"), ("__RequestVerificationToken", token)));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("写到一半的问题", html, StringComparison.Ordinal);
        Assert.Contains("问题 2", html, StringComparison.Ordinal);
        // The next save carries the old version, so it is refused rather than overwriting a plan changed meanwhile.
        Assert.Matches($"<form[^>]*handler=Plan[^>]*>\\s*<input type=\"hidden\" name=\"version\" value=\"{stale}\">", html);
    }

    [Fact]
    public async Task Refusals_NameTheirFields_OnEveryPage()
    {
        using var client = await SignedInAsync("county-admin");
        var dashboard = await client.GetAsync("/dashboard?year=1999");
        Assert.Equal(HttpStatusCode.BadRequest, dashboard.StatusCode);
        Assert.Contains("年度：", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ledger = await client.GetAsync("/ledger?sort=zzz");
        Assert.Contains("排序：", await ledger.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An action's field that is too long is named beside the field.
        using var api = await app.ClientForAsync("county-admin");
        var id = await app.CaseIdAsync("孟家村"); // 包保落实
        var token = await TokenAsync(client, $"/cases/{id}");
        var version = (await api.GetCaseAsync(id)).GetProperty("version").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = await client.PostAsync($"/cases/{id}?handler=Act", Form(("action", "assign"), ("version", version),
            ("field.countyLeader", new string('长', 501)), ("__RequestVerificationToken", token)));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches("id=\"assign-countyLeader\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains("<span class=\"field-error\">字段 countyLeader：", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WeeklyDispatch_IsForCountyAndCity_NotForTownships()
    {
        using var secretary = await SignedInAsync("township-secretary");
        var response = await secretary.GetAsync("/dispatch");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        using var api = await app.ClientForAsync("township-secretary");
        Assert.Empty((await (await api.GetAsync("/api/v1/dispatch")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    private HttpClient NewClient() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<HttpClient> SignedInAsync(string user)
    {
        var client = NewClient();
        var token = await TokenAsync(client, "/login");
        var response = await client.PostAsync("/login", Form(("username", user), ("password", "Demo@2026"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    private static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        return AntiForgeryToken().Match(html).Groups[1].Value;
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgeryToken();

    [GeneratedRegex("(src|href)=\"(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
