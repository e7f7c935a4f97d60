using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Who may call what, checked from the service's own endpoint table: every API endpoint × every kind of user ×
/// a resource inside or outside their area. A role the endpoint is not for, or a case or item outside the caller's area, is
/// refused (403 or 404) before anything is read or changed; a role it is for, inside its area, gets past the door (whatever
/// the request's own merits). An endpoint missing from <see cref="Policies"/> fails the test: each new one needs its policy
/// written down here.</summary>
public sealed class AccessMatrixTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private const string CountyAdmin = "county-admin";
    private const string Township = "township-secretary";
    private const string Inspector = "inspector";
    private const string FirstSecretary = "first-secretary";
    private const string CityViewer = "city-viewer";

    private static readonly string[] Everyone = [CountyAdmin, Township, Inspector, FirstSecretary, CityViewer];

    /// <summary>The demo users and what they are: their role, and whether the 红旗村 case of 旺起镇 lies in their area.</summary>
    private static readonly (string User, string Role, bool CaseInArea)[] Users =
    [
        ("county-admin", CountyAdmin, true),
        ("city-admin", CountyAdmin, true),
        ("township-secretary", Township, true),
        ("township-secretary-2", Township, false),
        ("inspector", Inspector, true),
        ("first-secretary", FirstSecretary, false),
        ("city-viewer", CityViewer, true),
    ];

    /// <summary>Every API endpoint: the roles it is for, what it acts on (a case, a ledger item, evidence, or nothing tied to
    /// an area), and whether an allowed caller may still get 404 because the test names no real object for it.</summary>
    private static readonly Dictionary<string, Policy> Policies = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/auth/login"] = Policy.Anonymous,
        ["GET /api/v1/me"] = new(Everyone),
        ["POST /api/v1/me/password"] = new(Everyone),
        ["GET /api/v1/my-work"] = new(Everyone),
        ["GET /api/v1/dashboard"] = new(Everyone),
        ["GET /api/v1/situations"] = new(Everyone),
        ["GET /api/v1/orgs/"] = new(Everyone),
        ["POST /api/v1/orgs/"] = new([CountyAdmin]),
        ["GET /api/v1/users/"] = new([CountyAdmin, CityViewer]),
        ["POST /api/v1/users/"] = new([CountyAdmin]),
        ["POST /api/v1/users/{id:int}/password"] = new([CountyAdmin], On.User),
        ["GET /api/v1/cases/"] = new(Everyone),
        ["POST /api/v1/cases/"] = new([Township, Inspector, CountyAdmin]),
        ["GET /api/v1/cases/{id:int}"] = new(Everyone, On.Case),
        ["GET /api/v1/cases/{id:int}/history"] = new(Everyone, On.Case),
        ["POST /api/v1/cases/{id:int}/actions/{action}"] = new([CountyAdmin], On.Case), // submit-reviews: the flow names the county
        ["POST /api/v1/cases/{id:int}/checklist/{item}/sign"] = new([CountyAdmin], On.Case), // cross-review (乡镇互评)
        ["POST /api/v1/cases/{id:int}/suspend"] = new([CountyAdmin], On.Case),
        ["POST /api/v1/cases/{id:int}/resume"] = new([CountyAdmin], On.Case),
        ["POST /api/v1/cases/{id:int}/feedback"] = new([Inspector], On.Case),
        ["GET /api/v1/cases/{id:int}/plan/"] = new(Everyone, On.Case),
        ["PUT /api/v1/cases/{id:int}/plan/"] = new([Township], On.PlanningCase),
        ["GET /api/v1/cases/{id:int}/acceptance/"] = new(Everyone, On.Case),
        ["PUT /api/v1/cases/{id:int}/acceptance/"] = new([CountyAdmin], On.AcceptingCase),
        ["GET /api/v1/ledger/"] = new(Everyone),
        ["GET /api/v1/ledger/export.xlsx"] = new(Everyone),
        ["POST /api/v1/ledger/{item:int}/report"] = new([Township, FirstSecretary], On.Item),
        ["POST /api/v1/ledger/{item:int}/tick"] = new([Inspector], On.Item),
        ["POST /api/v1/ledger/{item:int}/reopen"] = new([Inspector], On.Item),
        ["POST /api/v1/ledger/{item:int}/extensions"] = new([Township, FirstSecretary], On.Item),
        ["POST /api/v1/ledger/{item:int}/extensions/decision"] = new([CountyAdmin], On.Item),
        ["GET /api/v1/ledger/{item:int}/evidence"] = new(Everyone, On.Item),
        ["POST /api/v1/ledger/{item:int}/evidence"] = new([Township, FirstSecretary], On.Item),
        ["GET /api/v1/evidence/{id:int}"] = new(Everyone, On.Evidence),
        ["GET /api/v1/accountability/"] = new(Everyone),
        ["GET /api/v1/accountability/candidates"] = new([CountyAdmin, CityViewer]),
        ["POST /api/v1/accountability/"] = new([CountyAdmin]),
        ["POST /api/v1/import/screening/"] = new([Township, Inspector, CountyAdmin]),
        ["GET /api/v1/import/screening/template.xlsx"] = new([Township, Inspector, CountyAdmin]),
        ["GET /api/v1/alerts/"] = new(Everyone),
        ["POST /api/v1/alerts/{id:long}/ack"] = new(Everyone, MayBeMissing: true),
        ["GET /api/v1/dispatch/"] = new(Everyone),
        ["GET /api/v1/dispatch/latest"] = new(Everyone, MayBeMissing: true),
        ["GET /api/v1/dispatch/{id:int}/export.xlsx"] = new(Everyone, MayBeMissing: true),
        ["GET /api/v1/channels"] = new([CountyAdmin]),
        ["GET /api/v1/audit/verify"] = new([CountyAdmin, CityViewer]),
        ["POST /api/v1/admin/backup"] = new([CountyAdmin]),
        ["POST /api/v1/admin/clock/advance"] = new([CountyAdmin], MayBeMissing: true), // 404 unless the clock is simulated
        ["GET /api/v1/workflows/"] = new(Everyone),
        ["GET /api/v1/workflows/{key}"] = new(Everyone),
        ["GET /api/v1/workflows/{key}/diagram"] = new(Everyone),
        ["GET /api/v1/workflows/{key}/history"] = new(Everyone),
        ["GET /api/v1/workflows/drafts"] = new([CountyAdmin]),
        ["GET /api/v1/workflows/{key}/drafts/{draft:int}"] = new([CountyAdmin], MayBeMissing: true),
        ["POST /api/v1/workflows/validate"] = new([CountyAdmin]),
        ["POST /api/v1/workflows/"] = new([CountyAdmin]),
        ["POST /api/v1/workflows/{key}/drafts/{draft:int}/publish"] = new([CountyAdmin], MayBeMissing: true),
        ["POST /api/v1/workflows/{key}/migrations"] = new([CountyAdmin]),
    };

    /// <summary>What an endpoint acts on. The plan and the acceptance are written only in their own stage, and who writes
    /// them is the flow's to say in that stage, so those calls are tried on a case in it.</summary>
    private enum On
    {
        Nothing,
        Case,
        PlanningCase,
        AcceptingCase,
        Item,
        Evidence,
        User,
    }

    [Fact]
    public void EveryApiEndpoint_HasAWrittenPolicy_AndEveryPolicyAnEndpoint()
    {
        var endpoints = ApiEndpoints().ToList();
        var missing = endpoints.Where(e => !Policies.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        Assert.True(missing.Count == 0, "Endpoints without a policy in AccessMatrixTests.Policies: " + string.Join(", ", missing));
        Assert.Empty(Policies.Keys.Except(endpoints.Select(e => e.Key)));
        // Only sign-in is open; everything else needs a signed-in user, by the fallback policy or its own.
        Assert.Equal(["POST /api/v1/auth/login"], endpoints.Where(e => e.Anonymous).Select(e => e.Key));
    }

    [Fact]
    public async Task EveryEndpoint_ForEveryUser_InsideAndOutsideTheirArea_AllowsOrRefusesAsItsPolicySays()
    {
        var objects = await ArrangeAsync();
        var accepts = ApiEndpoints().ToDictionary(e => e.Key, e => e.ContentType);
        var failures = new List<string>();
        using var anonymous = app.CreateClient();
        foreach (var (key, policy) in Policies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (policy.Roles.Length == 0)
            {
                continue;
            }

            var (method, pattern) = (key[..key.IndexOf(' ', StringComparison.Ordinal)], key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            var caseId = objects[policy.On is On.PlanningCase or On.AcceptingCase ? policy.On : On.Case];
            var path = pattern.Replace("{id:int}", Text(objects.GetValueOrDefault(policy.On, caseId)), StringComparison.Ordinal)
                .Replace("{item:int}", Text(objects[On.Item]), StringComparison.Ordinal)
                .Replace("{id:long}", "1", StringComparison.Ordinal).Replace("{draft:int}", "1", StringComparison.Ordinal)
                .Replace("{key}", "rectification", StringComparison.Ordinal).Replace("{action}", "submit-reviews", StringComparison.Ordinal)
                .Replace("{item}", "cross-review", StringComparison.Ordinal);

            var unsigned = await anonymous.SendAsync(await RequestAsync(method, path, caseId, accepts[key]));
            if (unsigned.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{key} anonymous: {(int)unsigned.StatusCode}, expected 401");
            }

            foreach (var (user, role, caseInArea) in Users)
            {
                var allowed = policy.Roles.Contains(role) && (policy.On is On.Nothing or On.User || caseInArea);
                using var client = await app.ClientForAsync(user);
                var response = await client.SendAsync(await RequestAsync(method, path, caseId, accepts[key]));
                var status = (int)response.StatusCode;
                var refused = status is 403 or 404;
                var ok = allowed
                    ? status is not (401 or 403) && (policy.MayBeMissing || status != 404) && status < 500
                    : refused;
                if (!ok)
                {
                    failures.Add($"{key} as {user}: {status}, expected {(allowed ? "to be let in" : "403 or 404")}: {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} calls went against their policy:\n" + string.Join("\n", failures));
    }

    /// <summary>The 红旗村 case (旺起镇, being reviewed, with ledger items), one of its items with evidence, an account, and
    /// the cases of 旺起镇 being planned (东兴村) and accepted (胜利村).</summary>
    private async Task<Dictionary<On, int>> ArrangeAsync()
    {
        var caseId = await app.CaseIdAsync("红旗村");
        using var admin = await app.ClientForAsync("county-admin");
        var item = (await admin.LedgerItemsAsync(caseId))[0];
        using var secretary = await app.ClientForAsync("township-secretary");
        using var photo = new ByteArrayContent(Jpeg);
        photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var uploaded = await (await secretary.PostAsync($"/api/v1/ledger/{item}/evidence?fileName=photo.jpg", photo)).ExpectAsync(HttpStatusCode.Created);
        var users = await (await admin.GetAsync("/api/v1/users")).ExpectAsync(HttpStatusCode.OK);
        var userId = users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == "township-secretary").Id();
        return new Dictionary<On, int>
        {
            [On.Case] = caseId,
            [On.Item] = item,
            [On.Evidence] = uploaded.Id(),
            [On.User] = userId,
            [On.PlanningCase] = await app.CaseIdAsync("东兴村"),
            [On.AcceptingCase] = await app.CaseIdAsync("胜利村"),
        };
    }

    /// <summary>The call with an empty body of the type the endpoint accepts (a tiny JPEG for evidence) and If-Match with the
    /// case's current version: what gets past the door is then refused on its merits (400, 409, 422) and changes nothing.</summary>
    private async Task<HttpRequestMessage> RequestAsync(string method, string path, int caseId, string contentType)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            request.Content = contentType.StartsWith("image/", StringComparison.Ordinal)
                ? new ByteArrayContent(Jpeg) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } }
                : new StringContent("{}", Encoding.UTF8, contentType);
            using var admin = await app.ClientForAsync("county-admin");
            var current = await admin.GetCaseAsync(caseId);
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{current.Version()}\""));
        }

        return request;
    }

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 0xFF, 0xD9];

    private IEnumerable<(string Key, bool Anonymous, string ContentType)> ApiEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m =>
                ($"{m} {e.RoutePattern.RawText}", e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                    e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes is [var first, ..] ? first : "application/json")));

    private static string Text(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length > 200 ? text[..200] : text;

    private sealed record Policy(string[] Roles, On On = On.Nothing, bool MayBeMissing = false)
    {
        public static readonly Policy Anonymous = new([]);
    }
}
