using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Rectification.Server.Tests.Infrastructure;

/// <summary>The calls tests make again and again, over real HTTP.</summary>
public static class Api
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads the body, failing with it in the message when the status is not the expected one.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<int> OrgIdAsync(this RectificationApp app, string name)
    {
        using var client = await app.ClientForAsync("city-viewer");
        var orgs = await (await client.GetAsync("/api/v1/orgs")).ExpectAsync(HttpStatusCode.OK);
        return orgs.EnumerateArray().Single(o => o.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
    }

    /// <summary>The id of the demo case of a village (the demo lists each village at most once).</summary>
    public static async Task<int> CaseIdAsync(this RectificationApp app, string village)
    {
        var villageId = await app.OrgIdAsync(village);
        using var client = await app.ClientForAsync("county-admin");
        var cases = await (await client.GetAsync("/api/v1/cases?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        return cases.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("village").GetProperty("id").GetInt32() == villageId)
            .GetProperty("id").GetInt32();
    }

    public static async Task<JsonElement> ProposeAsync(this HttpClient client, int villageId, params string[] situations)
    {
        var response = await client.PostAsJsonAsync("/api/v1/cases",
            new { villageId, year = 2026, situations, source = "township-report", note = "摸底排查" });
        return await response.ExpectAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> GetCaseAsync(this HttpClient client, int caseId) =>
        await (await client.GetAsync($"/api/v1/cases/{caseId}")).ExpectAsync(HttpStatusCode.OK);

    /// <summary>Takes an action with If-Match set to <paramref name="version"/>.</summary>
    public static Task<HttpResponseMessage> ActAsync(this HttpClient client, int caseId, string action, int? version,
        object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{caseId}/actions/{action}")
        {
            Content = JsonContent.Create(body ?? new { }),
        };
        if (version is not null)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        return client.SendAsync(request);
    }

    /// <summary>Reads the case's current version, then takes the action and expects 200.</summary>
    public static async Task<JsonElement> ActOkAsync(this HttpClient client, int caseId, string action, object? body = null)
    {
        var current = await client.GetCaseAsync(caseId);
        var response = await client.ActAsync(caseId, action, current.GetProperty("version").GetInt32(), body);
        return await response.ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>The county admin confirms a proposed case and assigns its 包保 (the four fields assign requires): the case is
    /// then in planning.</summary>
    public static async Task ConfirmAndAssignAsync(this HttpClient admin, int caseId)
    {
        await admin.ActOkAsync(caseId, "confirm");
        await admin.ActOkAsync(caseId, "assign", new { fields = new { countyLeader = "孙副区长", townshipMember = "吴敏", firstSecretary = "陈书记", pairedDepartment = "区财政局" } });
    }

    /// <summary>Takes an action and checks that its answer offers the same actions, blocked for the same reasons, as the
    /// case read afresh (an action that leaves the plan and ledger alone answers from the facts its guards read).</summary>
    public static async Task<JsonElement> ActAndCompareAsync(this HttpClient client, int caseId, string action, object? body = null)
    {
        var answer = await client.ActOkAsync(caseId, action, body);
        Assert.Equal((await client.GetCaseAsync(caseId)).GetProperty("actions").GetRawText(), answer.GetProperty("actions").GetRawText());
        return answer;
    }

    /// <summary>Why the caller may not take <paramref name="action"/> yet, as a case answer lists it.</summary>
    public static List<string?> Blocked(this JsonElement @case, string action) =>
        @case.GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("key").GetString() == action)
            .GetProperty("blocked").EnumerateArray().Select(u => u.GetProperty("subject").GetString()).ToList();

    /// <summary>Signs a checklist item with If-Match set to the version the case has now.</summary>
    public static async Task<JsonElement> SignAsync(this HttpClient client, int caseId, string item, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var current = await client.GetAsync($"/api/v1/cases/{caseId}");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{caseId}/checklist/{item}/sign")
        {
            Content = JsonContent.Create(new { comment = "已完成" }),
        };
        if (current.Headers.ETag is { } etag)
        {
            request.Headers.IfMatch.Add(etag);
        }

        return await (await client.SendAsync(request)).ExpectAsync(expected);
    }

    /// <summary>Writes a plan of one problem per (situation, measure), each due 2026-06-30, with If-Match set.</summary>
    public static async Task<JsonElement> PutPlanAsync(this HttpClient client, int caseId, params (string Situation, string Measure)[] problems)
    {
        var current = await client.GetCaseAsync(caseId);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{caseId}/plan")
        {
            Content = JsonContent.Create(new
            {
                problems = problems.Select(p => new
                {
                    description = $"情形 {p.Situation} 的问题",
                    situations = new[] { p.Situation },
                    measures = new[]
                    {
                        new { measure = p.Measure, target = "整改到位", townshipResponsible = "包村领导 吴敏", villageResponsible = "村书记 李强", deadline = "2026-06-30" },
                    },
                }),
            }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{current.Version()}\""));
        return await (await client.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>Records the acceptance: every sheet item at the same share of its points, and the democratic rating.</summary>
    public static async Task<JsonElement> RecordAcceptanceAsync(this HttpClient client, int caseId, decimal share, int satisfied, int dissatisfied)
    {
        var sheet = await (await client.GetAsync($"/api/v1/cases/{caseId}/acceptance")).ExpectAsync(HttpStatusCode.OK);
        var scores = sheet.GetProperty("sheet").GetProperty("areas").EnumerateArray().SelectMany(a => a.GetProperty("items").EnumerateArray())
            .ToDictionary(i => i.GetProperty("key").GetString()!, i => i.GetProperty("points").GetDecimal() * share);
        var current = await client.GetCaseAsync(caseId);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{caseId}/acceptance")
        {
            Content = JsonContent.Create(new { scores, rating = new { satisfied, basicallySatisfied = 0, dissatisfied }, note = "书记访谈、查看资料、实地走访、群众座谈" }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{current.Version()}\""));
        return await (await client.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>The ids of a case's ledger items, in deadline order.</summary>
    public static async Task<List<int>> LedgerItemsAsync(this HttpClient client, int caseId)
    {
        var page = await (await client.GetAsync("/api/v1/ledger?pageSize=200")).ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("caseId").GetInt32() == caseId).Select(i => i.Id()).Order().ToList();
    }

    public static int Id(this JsonElement element) => element.GetProperty("id").GetInt32();

    public static string Stage(this JsonElement element) => element.GetProperty("stage").GetProperty("key").GetString()!;

    public static int Version(this JsonElement element) => element.GetProperty("version").GetInt32();
}
