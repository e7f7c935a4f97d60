using System.Net;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>A county's own flow can remind earlier and escalate sooner than the defaults in config/.</summary>
public sealed class FlowAlertPolicyTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task CountyFlowWithItsOwnAlerts_RemindsAndEscalatesOnItsOwnSchedule()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var yaml = Flows.Default.Replace("start: proposed\n", "start: proposed\nalerts:\n  remind: [5]\n  escalate:\n    - { after: 1, to: county }\n", StringComparison.Ordinal);
        var draft = await (await admin.PostAsync("/api/v1/workflows", Flows.Yaml(yaml))).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"/api/v1/workflows/rectification/drafts/{draft.Id()}/publish", null)).ExpectAsync(HttpStatusCode.Created);
        var (_, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "杨木村", "2026-03-10");

        // Tuesday 03-03 is 5 working days before 03-10; one working day overdue ends with Wednesday 03-11.
        await At(new DateTimeOffset(2026, 3, 3, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Equal(["reminder:5"], await ItemAlertsAsync("township-secretary", item));
        await At(new DateTimeOffset(2026, 3, 12, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Equal(["escalation:1"], await ItemAlertsAsync("county-admin", item));
        Assert.Empty(await ItemAlertsAsync("city-viewer", item));
    }
}
