using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Features.Import;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Server.Tests.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Request size limits and malformed requests, one by one: each refused with a 4xx problem naming what was
/// wrong, before anything is written.</summary>
public sealed class HostileRequestTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task JsonBody_InACharsetThatDoesNotExist_Is415NamingTheContentType()
    {
        // Found by the fuzzer (seed 20260302): the framework's JSON reader threw on the charset, a 500.
        using var admin = await app.ClientForAsync("county-admin");
        var before = await DatabaseFingerprint.QuietAsync(app);
        using var content = new StringContent("{\"villageId\":1,\"year\":2026,\"situations\":[\"1\"],\"source\":\"township-report\"}");
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\"nonsense\"");

        var problem = await (await admin.PostAsync("/api/v1/cases", content)).ExpectAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.True(problem.GetProperty("errors").TryGetProperty("Content-Type", out _));
        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task NulCharacters_InJsonQueryOrForm_Are400sNamingTheField()
    {
        // Found by the page fuzzer on PostgreSQL (seed 20260302): a NUL in a ledger filter reached the database, which
        // cannot take one as text, a 500. Refused at the edge on both databases.
        using var admin = await app.ClientForAsync("county-admin");
        var before = await DatabaseFingerprint.QuietAsync(app);
        var json = await (await admin.PostAsJsonAsync("/api/v1/cases", new { villageId = await app.OrgIdAsync("五家子村"), year = 2026, situations = new[] { "1" }, source = "township-report", note = "摸底\0排查" }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("NUL", json.GetProperty("errors").GetProperty("$.note")[0].GetString(), StringComparison.Ordinal);

        var query = await (await admin.GetAsync("/api/v1/ledger?responsible=%E6%9D%8E%00")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(query.GetProperty("errors").TryGetProperty("responsible", out _), query.ToString());

        using var page = await PageSession.SignInAsync(app, "county-admin");
        var form = await page.PostAsync("/alerts?handler=Ack", ("id", "1\0"));
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task JsonBody_OverOneMegabyte_Is413NamingTheBody_WithOrWithoutALength()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await DatabaseFingerprint.QuietAsync(app);
        var note = new string('长', 400_000); // 1.2 MB of UTF-8
        var json = Encoding.UTF8.GetBytes($"{{\"villageId\":{await app.OrgIdAsync("五家子村")},\"year\":2026,\"situations\":[\"1\"],\"source\":\"township-report\",\"note\":\"{note}\"}}");

        using var sized = new ByteArrayContent(json);
        sized.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var problem = await (await admin.PostAsync("/api/v1/cases", sized)).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));

        // Sent in chunks with no length announced, the body is cut off where it passes the limit.
        using var chunked = new StreamContent(new MemoryStream(json));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await admin.PostAsync("/api/v1/cases", chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task Uploads_OverTheirOwnLimits_Are413_AndLeaveNoFileBehind()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        var before = await DatabaseFingerprint.QuietAsync(app);
        var item = (await secretary.LedgerItemsAsync(await app.CaseIdAsync("红旗村")))[0];

        // Evidence up to 10 MB, streamed to disk: sent without a length, the part already written is removed.
        var photo = new byte[Evidence.MaxBytes + 1];
        photo[0] = 0xFF;
        photo[1] = 0xD8;
        photo[2] = 0xFF;
        using var evidence = new StreamContent(new MemoryStream(photo));
        evidence.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        await (await secretary.PostAsync($"/api/v1/ledger/{item}/evidence?fileName=big.jpg", evidence)).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);

        using var screening = new ByteArrayContent(new byte[ImportScreening.MaxBytes + 1]);
        screening.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        await (await admin.PostAsync("/api/v1/import/screening", screening)).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);

        using var flow = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("# " + new string('x', FlowReader.MaxBytes))));
        flow.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        await (await admin.PostAsync("/api/v1/workflows/validate", flow)).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);

        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public void EveryEndpoint_HasABodyLimit_AndOnlyUploadsGoAboveOneMegabyte()
    {
        // Pages with a form take their limit from [RequestSizeLimit]; the rest fall to the default.
        var limits = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Any(m => m is "POST" or "PUT") != false)
            .ToDictionary(e => $"{(e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is [var method, ..] ? method : "page")} /{e.RoutePattern.RawText!.Trim('/')}",
                e => e.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? (e.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is null ? RequestGuard.DefaultMaxBodyBytes : null));

        Assert.DoesNotContain(limits, l => l.Value is null);
        var large = limits.Where(l => l.Value > RequestGuard.DefaultMaxBodyBytes).ToDictionary(l => l.Key, l => l.Value);
        Assert.Equal(
            new Dictionary<string, long?>
            {
                ["POST /api/v1/ledger/{item:int}/evidence"] = Evidence.MaxBytes,
                ["POST /api/v1/import/screening"] = ImportScreening.MaxBytes,
                ["page /cases/{id:int}"] = Evidence.MaxBytes + (64 * 1024),
            }.OrderBy(k => k.Key, StringComparer.Ordinal),
            large.OrderBy(k => k.Key, StringComparer.Ordinal));
        Assert.Equal(FlowReader.MaxBytes, limits["POST /api/v1/workflows"]);
        Assert.Equal(FlowReader.MaxBytes, limits["POST /api/v1/workflows/validate"]);
    }

    [Fact]
    public async Task MalformedJson_AndOddQueryStrings_Are400sNamingTheField()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var before = await DatabaseFingerprint.QuietAsync(app);
        var deep = new string('[', 5000) + new string(']', 5000);
        using var nested = new StringContent($"{{\"villageId\":{deep}}}", Encoding.UTF8, "application/json");
        var problem = await (await admin.PostAsync("/api/v1/cases", nested)).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("$.villageId", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var wrongType = await (await admin.PostAsJsonAsync("/api/v1/cases", new { villageId = "十二", year = 2026 })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(wrongType.GetProperty("errors").TryGetProperty("$.villageId", out _));

        var plainText = await (await admin.PostAsync("/api/v1/cases", new StringContent("{\"villageId\":1}", Encoding.UTF8, "text/plain"))).ExpectAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.True(plainText.TryGetProperty("errors", out var e) && e.TryGetProperty("Content-Type", out _), plainText.ToString());

        var huge = await (await admin.PostAsync("/api/v1/cases", new StringContent("{\"villageId\":1e400}", Encoding.UTF8, "application/json"))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(huge.GetProperty("errors").TryGetProperty("$.villageId", out _));

        Assert.Contains("pageSize", (await (await admin.GetAsync("/api/v1/ledger?pageSize=-5")).ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("pageSize", (await (await admin.GetAsync("/api/v1/cases?pageSize=99999999999")).ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("status", (await (await admin.GetAsync("/api/v1/ledger?status=%27%20OR%201%3D1--")).ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("format", (await (await admin.GetAsync("/api/v1/workflows/rectification/diagram?format=pdf")).ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await before.AssertUnchangedAsync(app);
    }
}
