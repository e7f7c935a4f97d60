using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>An alert the database refuses to store stops the sweep before the schedule moves on, so a later sweep raises
/// it. Only a refusal because the same alert is already stored (another node raised it) counts as raised.</summary>
public sealed class RefusedAlertTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task AnAlertTheDatabaseRefuses_IsRaisedByALaterSweep_NotLost()
    {
        var (_, item) = await RectifyingCaseWithItemDueAsync("长岭村", "2026-03-10");
        await SweepAsync();

        // Wednesday 03-11: the item is overdue (its reminders are past), and the database refuses its alerts.
        await At(new DateTimeOffset(2026, 3, 11, 8, 0, 0, TimeSpan.FromHours(8)));
        await ExecuteAsync(db => db.Database.IsSqlite()
            ? $"""CREATE TRIGGER "refuse_alert" BEFORE INSERT ON "Alert" WHEN NEW."LedgerItemId" = {item} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"""
            : $"""
              CREATE FUNCTION "refuse_alert"() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql;
              CREATE TRIGGER "refuse_alert" BEFORE INSERT ON "Alert" FOR EACH ROW WHEN (NEW."LedgerItemId" = {item}) EXECUTE FUNCTION "refuse_alert"();
              """);
        var alerts = App.Services.GetRequiredService<RaiseAlerts>();
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => alerts.RunAsync(CancellationToken.None));
        Assert.Empty(await ItemAlertsAsync("township-secretary", item));

        await ExecuteAsync(db => db.Database.IsSqlite() ? """DROP TRIGGER "refuse_alert";""" : """DROP TRIGGER "refuse_alert" ON "Alert"; DROP FUNCTION "refuse_alert";""");
        await SweepAsync();
        Assert.Equal(["overdue:0"], await ItemAlertsAsync("township-secretary", item));
    }

    private async Task ExecuteAsync(Func<AppDbContext, string> sql)
    {
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.ExecuteSqlRawAsync(sql(db));
    }
}
