using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>On PostgreSQL the sweep's schedule updates take row locks in the order an action's save does (its case, then
/// its item), so a sweep and an action that meet on one case wait for each other in turn instead of deadlocking. Row
/// locks are PostgreSQL's alone (SQLite locks the whole database), so this runs in tests/run.sh's second pass only.</summary>
[Trait("Category", "Postgres")]
public sealed class SweepLockOrderTests(RectificationApp app) : AlertTestBase(app), IClassFixture<RectificationApp>
{
    [Fact]
    public async Task ASweepAndAnActionMeetingOnOneCase_TakeTurns_NeitherIsRefusedAsADeadlock()
    {
        RectificationApp.RequirePostgres("The row-lock test");
        var (id, item) = await RectifyingCaseWithItemDueAsync("长岭村", "2026-03-10");
        await SweepAsync();

        // Both due for the sweep again, the case as one without a stage deadline: such cases were rescheduled after the
        // items, so the sweep took the item and then waited for the case.
        await using var action = new NpgsqlConnection(App.ConnectionString);
        await action.OpenAsync();
        await action.ExecuteAsync($"""UPDATE "Cases" SET "StageDeadline" = NULL, "NextAlertAt" = 0 WHERE "Id" = {id}; UPDATE "LedgerItems" SET "NextAlertAt" = 0 WHERE "Id" = {item};""");

        // An action's save, half done: it holds its case and has yet to update its item.
        await using var transaction = await action.BeginTransactionAsync();
        await action.ExecuteAsync($"""UPDATE "Cases" SET "Note" = "Note" WHERE "Id" = {id}""", transaction);
        var sweep = App.Services.GetRequiredService<RaiseAlerts>().RunAsync(CancellationToken.None);
        await WaitUntilBlockedAsync();

        // Its item is free to take: the sweep, waiting for the case, holds nothing the action needs.
        await action.ExecuteAsync($"""UPDATE "LedgerItems" SET "ReportNote" = "ReportNote" WHERE "Id" = {item}""", transaction);
        await transaction.CommitAsync();
        await sweep.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1L, await action.ScalarAsync($"""SELECT count(*) FROM "Cases" WHERE "Id" = {id} AND "NextAlertAt" IS NULL"""));
    }

    // PostgreSQL's own view of the sweep's connection, polled until it waits for the row the action holds.
    private async Task WaitUntilBlockedAsync()
    {
        await using var watcher = new NpgsqlConnection(App.ConnectionString);
        await watcher.OpenAsync();
        for (var polls = 0; ; polls++)
        {
            var waiting = await watcher.ScalarAsync(
                """SELECT count(*) FROM pg_stat_activity, pg_sleep(0.02) WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE "Cases" SET "NextAlertAt"%'""");
            if (waiting > 0)
            {
                return;
            }

            Assert.True(polls < 500, "The sweep never waited for the case the action holds.");
        }
    }
}
