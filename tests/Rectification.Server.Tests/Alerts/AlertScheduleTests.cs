using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>The sweep reads a deadline only when its schedule has come (so a sweep finding nothing costs nothing), keeps that
/// schedule at the next alert's exact time, and looks again at once after any change.</summary>
public sealed class AlertScheduleTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task EachDeadlineWaitsForItsNextAlert_AChangeIsLookedAtAtOnce_AClosedItemNeverAgain()
    {
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var (_, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "长岭村", "2026-03-10");
        Assert.Equal(AlertSchedule.Now, await NextAlertAtAsync(item));

        // Monday 03-02: nothing is due; the next alert is the reminder 3 working days before Tuesday 03-10, from the
        // start of Thursday 03-05.
        var reminder = new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.FromHours(8));
        await SweepAsync();
        Assert.Equal(reminder, await NextAlertAtAsync(item));
        Assert.All(await OpenSchedulesAsync(), at => Assert.True(at is null || at > App.Clock.GetUtcNow(), $"{at} is not after the sweep"));

        // Reporting it done is a change: looked at on the next sweep, then waiting again for the same reminder.
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已召开" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(AlertSchedule.Now, await NextAlertAtAsync(item));
        await SweepAsync();
        Assert.Equal(reminder, await NextAlertAtAsync(item));

        // A second before the reminder nothing is raised; at it, the reminder. (Whole seconds: the scheduler's triggers
        // fire on a fake clock that stands still, and a trigger is not fired before its time.)
        await At(reminder.AddSeconds(-1));
        await SweepAsync();
        Assert.Empty(await ItemAlertsAsync("township-secretary", item));
        await At(reminder);
        await SweepAsync();
        Assert.Equal(["reminder:3"], await ItemAlertsAsync("township-secretary", item));

        // Ticked off, the item is never read by the sweep again.
        using var inspector = await App.ClientForAsync("inspector");
        await (await inspector.PostAsJsonAsync($"/api/v1/ledger/{item}/tick", new { method = "查看资料" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(await NextAlertAtAsync(item));
    }

    private async Task<DateTimeOffset?> NextAlertAtAsync(int item)
    {
        using var scope = App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().LedgerItems.Where(i => i.Id == item).Select(i => i.NextAlertAt).SingleAsync();
    }

    private async Task<List<DateTimeOffset?>> OpenSchedulesAsync()
    {
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.LedgerItems.Where(i => i.Status != Server.Features.Ledger.LedgerStatus.Closed).Select(i => i.NextAlertAt)
            .Concat(db.Cases.Where(c => c.EndedAt == null && c.SuspendedAt == null).Select(c => c.NextAlertAt))
            .ToListAsync();
    }
}
