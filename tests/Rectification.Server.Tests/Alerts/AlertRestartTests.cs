using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>A restart in the middle raises nothing twice and catches up what fell due while the service was down.</summary>
public sealed class AlertRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Restart_RaisesNothingTwice_AndCatchesUpLate()
    {
        int item;
        using (var first = new App(_directory, RectificationApp.Start))
        {
            var sweeps = new Sweeper(first);
            using var admin = await first.ClientForAsync("county-admin");
            using var secretary = await first.ClientForAsync("township-secretary");
            (_, item) = await sweeps.RectifyingCaseWithItemDueAsync(admin, secretary, "五家子村", "2026-03-04");
            await sweeps.At(new DateTimeOffset(2026, 3, 5, 9, 0, 0, TimeSpan.FromHours(8)));
            await sweeps.SweepAsync();
            Assert.Equal(["overdue:0"], await sweeps.ItemAlertsAsync("township-secretary", item));
        }

        // Down from Thursday 03-05 to Monday 03-16: the county's escalation (end of Monday 03-09) fell due meanwhile.
        using var second = new App(_directory, new DateTimeOffset(2026, 3, 16, 9, 0, 0, TimeSpan.FromHours(8)));
        var again = new Sweeper(second);
        await again.SweepAsync();
        await again.SweepAsync();
        Assert.Equal(["overdue:0"], await again.ItemAlertsAsync("township-secretary", item));
        Assert.Equal(["escalation:1"], await again.ItemAlertsAsync("county-admin", item));
        using var county = await second.ClientForAsync("county-admin");
        var escalation = (await AlertTestBase.InboxAsync(county, "kind=escalation&pageSize=200")).Single(a => a.GetProperty("itemId").ValueKind == System.Text.Json.JsonValueKind.Number
            && a.GetProperty("itemId").GetInt32() == item);
        Assert.True(escalation.GetProperty("late").GetBoolean());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    private sealed class App(string directory, DateTimeOffset now) : RectificationApp(directory, now);

    private sealed class Sweeper(RectificationApp app) : AlertTestBase(app);
}
