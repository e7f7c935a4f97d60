using System.Net;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Workflows;

/// <summary>Reading flows: list, definition with versions, and the Mermaid diagram.</summary>
public sealed class WorkflowEndpointTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Workflows_ListAndGet_ShowTheDefaultFlowAtVersion1()
    {
        using var client = await app.ClientForAsync("township-secretary");
        var list = await (await client.GetAsync("/api/v1/workflows")).ExpectAsync(HttpStatusCode.OK);
        var flow = list.EnumerateArray().Single(f => f.GetProperty("key").GetString() == "rectification");
        Assert.Equal(1, flow.GetProperty("latestVersion").GetInt32());

        var definition = await (await client.GetAsync("/api/v1/workflows/rectification")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(
            ["proposed", "assigning", "planning", "plan-review", "rectifying", "reviewing", "accepting", "converted", "closed", "dismissed"],
            definition.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Contains("key: rectification", definition.GetProperty("yaml").GetString(), StringComparison.Ordinal);
        await (await client.GetAsync("/api/v1/workflows/rectification?version=9")).ExpectAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/v1/workflows/nope")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Diagram_IsMermaid_AndHighlightsACasesStage()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var response = await admin.GetAsync("/api/v1/workflows/rectification/diagram");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("stateDiagram-v2\n", text, StringComparison.Ordinal);
        Assert.Contains("accepting --> rectifying: 验收不通过（回炉）", text, StringComparison.Ordinal);
        Assert.DoesNotContain("classDef current", text, StringComparison.Ordinal);

        var planning = (await (await admin.GetAsync("/api/v1/cases?stage=planning")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        var highlighted = await (await admin.GetAsync($"/api/v1/workflows/rectification/diagram?caseId={planning.Id()}")).Content.ReadAsStringAsync();
        Assert.Contains("class planning current", highlighted, StringComparison.Ordinal);

        using var other = await app.ClientForAsync("township-secretary-2");
        await (await other.GetAsync($"/api/v1/workflows/rectification/diagram?caseId={planning.Id()}")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Situations_AreTheCatalogueFromConfig()
    {
        using var client = await app.ClientForAsync("inspector");
        var situations = await (await client.GetAsync("/api/v1/situations")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(10, situations.GetArrayLength());
        Assert.Equal("宗族宗教和黑恶势力干扰渗透严重的", situations[5].GetProperty("text").GetString());
    }
}
