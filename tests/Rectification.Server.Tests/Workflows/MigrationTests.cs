using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Workflows;

/// <summary>Moving running cases to a new version: the dry run tells exactly what the execution then does.</summary>
public sealed class MigrationTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private static readonly Dictionary<string, string> Mapping = new()
    {
        ["proposed"] = "proposed",
        ["assigning"] = "assigning",
        ["planning"] = "planning",
        ["plan-review"] = "plan-review",
        ["rectifying"] = "rectifying",
        ["reviewing"] = "reviewing",
    };

    [Fact]
    public async Task Migration_DryRunMatchesExecution_KeepsHistory_AndCarriesOnlyMatchingSignatures()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var inspector = await app.ClientForAsync("inspector");
        var reviewing = (await (await admin.GetAsync("/api/v1/cases?stage=reviewing")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].Id();
        await admin.SignAsync(reviewing, "cross-review");
        await inspector.SignAsync(reviewing, "villagers-review");
        var historyBefore = await HistoryAsync(admin, reviewing);
        var planning = (await (await admin.GetAsync("/api/v1/cases?stage=planning")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].Id();
        var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].Id();

        var draft = await (await admin.PostAsync("/api/v1/workflows", Flows.Yaml(Flows.CountyVariant))).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null)).ExpectAsync(HttpStatusCode.Created);

        // An empty list of cases is a mistake, not "every case".
        var noCases = await (await admin.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 2, stages = Mapping, dryRun = false, caseIds = Array.Empty<int>() })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(noCases.GetProperty("errors").TryGetProperty("caseIds", out _));

        var dryRun = await MigrateAsync(admin, dryRun: true);
        Assert.True(dryRun.GetProperty("dryRun").GetBoolean());
        Assert.Equal(6, dryRun.GetProperty("moved").GetInt32());
        Assert.Equal(1, dryRun.GetProperty("unmapped").GetInt32());
        var planned = Reports(dryRun);
        Assert.Equal("unmapped", planned[accepting].GetProperty("status").GetString());
        var review = planned[reviewing];
        Assert.Equal(["cross-review", "self-assessment"], review.GetProperty("signaturesKept").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["villagers-review"], review.GetProperty("signaturesDropped").EnumerateArray().Select(s => s.GetString()));
        // Planning gets 20 working days instead of 15, counted from when the case entered planning.
        var plan = planned[planning];
        Assert.Equal("2026-03-30T23:59:59+08:00", plan.GetProperty("deadlineAfter").GetString());
        Assert.Equal("2026-03-23T23:59:59+08:00", plan.GetProperty("deadlineBefore").GetString());
        Assert.Equal(1, (await admin.GetCaseAsync(reviewing)).GetProperty("flowVersion").GetInt32());

        var executed = await MigrateAsync(admin, dryRun: false);
        var done = Reports(executed);
        Assert.Equal(planned.Keys.Order(), done.Keys.Order());
        foreach (var (id, report) in planned)
        {
            var status = report.GetProperty("status").GetString() == "would-move" ? "moved" : "unmapped";
            Assert.Equal(status, done[id].GetProperty("status").GetString());
            Assert.Equal(WithoutStatus(report), WithoutStatus(done[id]));
        }

        var migrated = await admin.GetCaseAsync(reviewing);
        Assert.Equal(2, migrated.GetProperty("flowVersion").GetInt32());
        Assert.Equal("reviewing", migrated.Stage());
        var checklist = migrated.GetProperty("checklist").EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!, i => i.GetProperty("isSigned").GetBoolean());
        Assert.Equal(new Dictionary<string, bool>
        {
            ["self-assessment"] = true,
            ["cross-review"] = true,
            ["villagers-review"] = false,
            ["democratic-rating"] = false,
        }, checklist);

        var historyAfter = await HistoryAsync(admin, reviewing);
        Assert.Equal(historyBefore.Select(e => e.ToString()), historyAfter.Take(historyBefore.Count).Select(e => e.ToString()));
        var entry = historyAfter[^1];
        Assert.Equal(historyBefore.Count + 1, historyAfter.Count);
        Assert.Equal("migration", entry.GetProperty("kind").GetString());
        Assert.Equal("2", entry.GetProperty("changes").GetProperty("flowVersion").GetProperty("new").GetString());
        Assert.Equal(1, (await admin.GetCaseAsync(accepting)).GetProperty("flowVersion").GetInt32());
        Assert.Equal(planned[planning].GetProperty("deadlineAfter").GetString(),
            (await admin.GetCaseAsync(planning)).GetProperty("stageDeadline").GetString());

        // Nothing is left on version 1 but the unmapped case; running it again moves nothing, and a case asked for
        // by id that is no longer on version 1 is reported as not found.
        var again = await MigrateAsync(admin, dryRun: false);
        Assert.Equal(0, again.GetProperty("moved").GetInt32());
        var byId = await (await admin.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 2, stages = Mapping, dryRun = true, caseIds = new[] { reviewing } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("not-found", byId.GetProperty("cases")[0].GetProperty("status").GetString());
        var flowHistory = await (await admin.GetAsync("/api/v1/workflows/rectification/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, flowHistory.EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "flow-migration"));

        // The diagram of a case is drawn only from the flow the case is on.
        await (await admin.GetAsync($"/api/v1/workflows/pilot/diagram?caseId={reviewing}")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Migration_BadRequest_NamesTheField_AndOnlyCountyAdminsMayMigrate()
    {
        using var admin = await app.ClientForAsync("county-admin");
        var problem = await (await admin.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 99, stages = new Dictionary<string, string> { ["nowhere"] = "planning" } })).ExpectAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("toVersion", out _));
        Assert.True(errors.TryGetProperty("stages.nowhere", out _));

        var nullTarget = await (await admin.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 1, stages = new Dictionary<string, string?> { ["planning"] = null } })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(nullTarget.GetProperty("errors").TryGetProperty("stages.planning", out _));

        using var secretary = await app.ClientForAsync("township-secretary");
        await (await secretary.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 1, stages = Mapping })).ExpectAsync(HttpStatusCode.Forbidden);
    }

    private static async Task<JsonElement> MigrateAsync(HttpClient admin, bool dryRun) =>
        await (await admin.PostAsJsonAsync("/api/v1/workflows/rectification/migrations",
            new { fromVersion = 1, toVersion = 2, stages = Mapping, dryRun })).ExpectAsync(HttpStatusCode.OK);

    private static Dictionary<int, JsonElement> Reports(JsonElement response) =>
        response.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("caseId").GetInt32());

    private static string WithoutStatus(JsonElement report) =>
        string.Join(";", report.EnumerateObject().Where(p => p.Name != "status").Select(p => $"{p.Name}={p.Value}"));

    private static async Task<List<JsonElement>> HistoryAsync(HttpClient client, int id) =>
        (await (await client.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
}
