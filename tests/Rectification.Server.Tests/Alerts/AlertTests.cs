using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rectification.Server.Features.Timers;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>Reminders, overdue alerts and escalations, raised by the real Quartz scheduler on a fake clock, each exactly once.</summary>
public sealed class AlertTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task LedgerItem_RaisesRemindersOverdueAndEachEscalationExactlyOnce_ToTheRightInboxes()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var (id, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "长岭村", "2026-03-10");

        // Monday 2026-03-02: nothing due for the item yet.
        await SweepAsync();
        Assert.Empty(await ItemAlertsAsync("township-secretary", item));

        // Thursday 03-05 is 3 working days before Tuesday 03-10; Monday 03-09 is 1 before.
        await At(new DateTimeOffset(2026, 3, 5, 8, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await SweepAsync();
        Assert.Equal(["reminder:3"], await ItemAlertsAsync("township-secretary", item));
        await At(new DateTimeOffset(2026, 3, 9, 8, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await At(new DateTimeOffset(2026, 3, 11, 8, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Equal(["overdue:0", "reminder:1", "reminder:3"], await ItemAlertsAsync("township-secretary", item));

        // Three working days overdue (end of Friday 03-13) goes to the county; ten (end of 03-24) to the city.
        await At(new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Equal(["escalation:1"], await ItemAlertsAsync("county-admin", item));
        Assert.Empty(await ItemAlertsAsync("city-viewer", item));
        await At(new DateTimeOffset(2026, 3, 25, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await SweepAsync();
        Assert.Equal(["escalation:2"], await ItemAlertsAsync("city-viewer", item));
        Assert.Equal(["escalation:1"], await ItemAlertsAsync("county-admin", item));
        Assert.Equal(3, (await ItemAlertsAsync("township-secretary", item)).Count);

        // Acknowledging is per user and idempotent; another township's secretary sees none of it.
        using var secretaryNow = await App.ClientForAsync("township-secretary");
        var first = (await InboxAsync(secretaryNow, $"caseId={id}")).First(a => a.GetProperty("itemId").ValueKind == JsonValueKind.Number);
        await (await secretaryNow.PostAsync($"/api/v1/alerts/{first.GetProperty("id").GetInt64()}/ack", null)).ExpectAsync(HttpStatusCode.NoContent);
        await (await secretaryNow.PostAsync($"/api/v1/alerts/{first.GetProperty("id").GetInt64()}/ack", null)).ExpectAsync(HttpStatusCode.NoContent);
        Assert.DoesNotContain(await InboxAsync(secretaryNow, $"caseId={id}&acknowledged=false"), a => a.GetProperty("id").GetInt64() == first.GetProperty("id").GetInt64());
        using var other = await App.ClientForAsync("township-secretary-2");
        Assert.Empty(await InboxAsync(other, $"caseId={id}"));
        await (await other.PostAsync($"/api/v1/alerts/{first.GetProperty("id").GetInt64()}/ack", null)).ExpectAsync(HttpStatusCode.NotFound);
        await (await secretaryNow.GetAsync("/api/v1/alerts?kind=nonsense")).ExpectAsync(HttpStatusCode.BadRequest);
    }
}

/// <summary>Alerts that fell due while no sweep ran (the service was down) are raised when it comes back, marked late.</summary>
public sealed class LateAlertTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task AlertsThatFellDueWhileNothingRan_AreRaisedOnceAndMarkedLate()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var (_, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "杨木村", "2026-03-20");

        // A week without a sweep: what fell due meanwhile is raised at once, each alert once.
        await At(new DateTimeOffset(2026, 3, 27, 10, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await SweepAsync();
        // Reminders are for deadlines still ahead, so none now; the overdue alert and the county's escalation come late.
        Assert.Equal(["overdue:0"], await ItemAlertsAsync("township-secretary", item));
        Assert.Equal(["escalation:1"], await ItemAlertsAsync("county-admin", item));
        using var county = await App.ClientForAsync("county-admin");
        var escalation = (await InboxAsync(county, "kind=escalation&pageSize=200")).Single(a => a.GetProperty("itemId").ValueKind == JsonValueKind.Number && a.GetProperty("itemId").GetInt32() == item);
        Assert.True(escalation.GetProperty("late").GetBoolean());
    }
}

/// <summary>What the alert tests share: a case with one ledger item, moving the clock, running the sweep through Quartz.</summary>
public abstract class AlertTestBase(RectificationApp app)
{
    protected RectificationApp App { get; } = app;

    /// <summary>A case of <paramref name="village"/> in rectification, with one ledger item due on <paramref name="deadline"/>,
    /// set up by the demo county admin and township secretary.</summary>
    public async Task<(int Case, int Item)> RectifyingCaseWithItemDueAsync(string village, string deadline)
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        return await RectifyingCaseWithItemDueAsync(admin, secretary, village, deadline);
    }

    public async Task<(int Case, int Item)> RectifyingCaseWithItemDueAsync(HttpClient admin, HttpClient secretary, string village, string deadline)
    {
        var id = (await admin.ProposeAsync(await App.OrgIdAsync(village), "3")).Id();
        await admin.ConfirmAndAssignAsync(id);
        var current = await secretary.GetCaseAsync(id);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{id}/plan")
        {
            Content = JsonContent.Create(new
            {
                problems = new[]
                {
                    new
                    {
                        description = "班子不团结",
                        situations = new[] { "3" },
                        measures = new[] { new { measure = "召开专题民主生活会", target = "班子团结", townshipResponsible = "吴敏", villageResponsible = "李强", deadline } },
                    },
                },
            }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{current.Version()}\""));
        await (await secretary.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");
        return (id, (await admin.LedgerItemsAsync(id)).Single());
    }

    public Task At(DateTimeOffset moment)
    {
        if (moment > App.Clock.GetUtcNow())
        {
            App.Clock.SetUtcNow(moment);
        }

        App.ForgetTokens();
        return Task.CompletedTask;
    }

    /// <summary>Asks the real Quartz scheduler to run the sweep job and waits until it has finished.</summary>
    public async Task SweepAsync()
    {
        var sweep = App.Services.GetRequiredService<Sweep>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A sweep the scheduler started before the clock last moved may finish first; only one that started now counts.
        var now = App.Clock.GetUtcNow();
        void OnSweep(Sweep.Outcome outcome)
        {
            if (outcome.StartedAt >= now)
            {
                done.TrySetResult();
            }
        }

        sweep.Completed += OnSweep;
        try
        {
            var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await scheduler.TriggerJob(DueTimersJob.Key);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            sweep.Completed -= OnSweep;
        }
    }

    public async Task<List<string>> ItemAlertsAsync(string user, int item)
    {
        using var client = await App.ClientForAsync(user);
        return (await InboxAsync(client, "pageSize=200"))
            .Where(a => a.GetProperty("itemId").ValueKind == JsonValueKind.Number && a.GetProperty("itemId").GetInt32() == item)
            .Select(a => $"{a.GetProperty("kind").GetString()}:{a.GetProperty("level").GetInt32()}").Order(StringComparer.Ordinal).ToList();
    }

    public static async Task<List<JsonElement>> InboxAsync(HttpClient client, string query) =>
        (await (await client.GetAsync($"/api/v1/alerts?{query}")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
}
