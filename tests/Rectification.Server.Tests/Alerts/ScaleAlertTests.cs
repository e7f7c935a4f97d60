using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>A sweep over more deadlines than SQLite takes SQL variables (32,766) still raises every alert: lists in
/// queries go as one parameter. Found by the benchmark harness at national scale.</summary>
public sealed class ScaleAlertTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    private const int Items = 34_000;

    [Fact]
    public async Task Sweep_OverMoreDeadlinesThanSqliteTakesVariables_RaisesEachAlertOnce()
    {
        using (var admin = await App.ClientForAsync("county-admin"))
        {
            await admin.GetAsync("/api/v1/cases"); // the app is up and the demo seeded
        }

        using (var scope = App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var due = RectificationApp.Start.AddHours(-1).UtcTicks;
            // NextAlertAt 0: due now, as the service's own save would mark it; a row written behind its back otherwise
            // waits for a schedule it never had.
            var inserted = await db.Database.ExecuteSqlAsync($"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Items})
                INSERT INTO "LedgerItems" ("CaseId", "CountyId", "TownshipId", "VillageId", "Source", "Problem", "Measure", "Target",
                    "TownshipResponsible", "VillageResponsible", "Deadline", "Status", "ReopenCount", "ExtensionCount", "CreatedAt", "NextAlertAt")
                SELECT "CaseId", "CountyId", "TownshipId", "VillageId", "Source", "Problem", 'bulk ' || n.i, "Target",
                    "TownshipResponsible", "VillageResponsible", {due}, 'Open', 0, 0, "CreatedAt", 0
                FROM "LedgerItems" CROSS JOIN n
                WHERE "Id" = (SELECT min("Id") FROM "LedgerItems" WHERE "Status" = 'Open')
                """);
            Assert.Equal(Items, inserted);
        }

        await SweepAsync();
        await SweepAsync();

        using var check = App.Services.CreateScope();
        var read = check.ServiceProvider.GetRequiredService<AppDbContext>();
        var raised = await read.Set<Server.Features.Alerts.Alert>()
            .Where(a => a.Kind == Server.Features.Alerts.AlertKind.Overdue && read.LedgerItems.Any(i => i.Id == a.LedgerItemId && i.Measure.StartsWith("bulk ")))
            .CountAsync();
        Assert.Equal(Items, raised);
    }
}
