using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>Acceptance (验收): scores from the sheet in config/, the democratic rating, and an outcome that is computed.</summary>
public sealed class AcceptanceTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task RecordAcceptance_BadScoresWrongPersonOrStage_IsRefused_AndAPassingScoreAllowsPass()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var inspector = await app.ClientForAsync("inspector");
        var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        var sheet = await (await admin.GetAsync($"/api/v1/cases/{accepting.Id()}/acceptance")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(70m, sheet.GetProperty("sheet").GetProperty("passMark").GetDecimal());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, sheet.GetProperty("acceptance").ValueKind);

        var bad = await (await PutAsync(admin, accepting.Id(), accepting.Version(),
            new { scores = new Dictionary<string, decimal> { ["secretary"] = 99, ["colour"] = 1 }, rating = new { satisfied = -1, basicallySatisfied = 0, dissatisfied = 0 } }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        foreach (var field in new[] { "scores.secretary", "scores.colour", "scores.committee", "rating" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {bad}");
        }

        // Vote counts that would overflow a sum are refused, not wrapped around into a pass.
        var huge = await (await PutAsync(admin, accepting.Id(), accepting.Version(),
            new { scores = new Dictionary<string, decimal>(), rating = new { satisfied = int.MaxValue, basicallySatisfied = 647_484_649, dissatisfied = 1_500_000_000 } }))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(huge.GetProperty("errors").TryGetProperty("rating", out _));
        await (await PutAsync(inspector, accepting.Id(), accepting.Version(), new { })).ExpectAsync(HttpStatusCode.Forbidden);
        var proposed = (await (await admin.GetAsync("/api/v1/cases?stage=proposed")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        await (await PutAsync(admin, proposed.Id(), proposed.Version(), new { })).ExpectAsync(HttpStatusCode.Conflict);
        var noRecord = await (await admin.ActAsync(accepting.Id(), "pass", accepting.Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("acceptance", noRecord.GetProperty("unmet")[0].GetProperty("subject").GetString());

        // 65 points with everyone satisfied still fails on the pass mark; 75 passes.
        var low = await admin.RecordAcceptanceAsync(accepting.Id(), 0.65m, satisfied: 20, dissatisfied: 0);
        Assert.Equal("不合格", low.GetProperty("acceptance").GetProperty("outcome").GetString());
        var blocked = await (await admin.ActAsync(accepting.Id(), "pass", (await admin.GetCaseAsync(accepting.Id())).Version())).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["score"], blocked.GetProperty("unmet").EnumerateArray().Select(u => u.GetProperty("subject").GetString()));
        var good = await admin.RecordAcceptanceAsync(accepting.Id(), 0.75m, satisfied: 15, dissatisfied: 5);
        Assert.Equal((75m, "合格"), (good.GetProperty("acceptance").GetProperty("total").GetDecimal(), good.GetProperty("acceptance").GetProperty("outcome").GetString()));
        Assert.Equal("converted", (await admin.ActOkAsync(accepting.Id(), "pass")).Stage());
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, int id, int version, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{id}/acceptance") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return client.SendAsync(request);
    }
}
