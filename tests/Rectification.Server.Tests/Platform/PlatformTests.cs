using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Platform;

/// <summary>What every deployment relies on: health, the OpenAPI document, and problems instead of stack traces.</summary>
public sealed class PlatformTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Health_DatabaseReachable_Returns200Anonymously()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        Assert.Equal(RectificationApp.Postgres is null, File.Exists(app.DatabaseFile));
    }

    [Fact]
    public async Task OpenApi_DocumentsEveryApiEndpoint()
    {
        using var client = app.CreateClient();
        var document = await (await client.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();

        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(m => $"{m} {Normalise(e.RoutePattern.RawText!)}"))
            .ToList();

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.Contains(e, documented));
    }

    [Fact]
    public async Task ClockAdvance_WhenNotSimulated_Returns404()
    {
        using var admin = await app.ClientForAsync("county-admin");
        await (await admin.PostAsJsonAsync("/api/v1/admin/clock/advance", new { by = "P3D" })).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        using var client = await app.ClientForAsync("county-admin");
        var response = await client.GetAsync("/api/v1/cases/abc");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // "/api/v1/cases/{id:int}" is documented as "/api/v1/cases/{id}"; a trailing "/" of a group root is dropped.
    private static string Normalise(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}").TrimEnd('/');
}
