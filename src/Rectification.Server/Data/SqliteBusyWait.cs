using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rectification.Server.Data;

/// <summary>Makes every SQLite connection of the service wait for a busy database inside SQLite itself. Without it the
/// driver meets a lock held by another connection (the scheduler's, the alert sweep's) by sleeping 150 ms before it
/// tries again, however short the lock: measured, a write behind a 20 ms lock waited 151 ms, and with SQLite's own busy
/// wait 34 ms. Those sleeps were the slowest actions under load.
/// The wait is short on purpose: a lock held longer than the scheduler's or the sweep's writes hold theirs is left to
/// the driver's retrying exactly as before, so nothing waits longer than it did without this. (A 30-s stall in the
/// browser tests, twice blamed on a 30-s busy timeout, was the test's own wait for a load event: BrowserTest.SignInAsync.)</summary>
public sealed class SqliteBusyWait : DbConnectionInterceptor
{
    /// <summary>Longer than the scheduler's and the sweep's writes hold the lock (a few milliseconds), shorter than the
    /// driver's own pause between tries.</summary>
    public const int Milliseconds = 100;

    public static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, Milliseconds);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>The driver's factory for the scheduler's store, whose connections wait the same way.</summary>
    public sealed class Factory : DbProviderFactory
    {
        public static readonly Factory Instance = new();

        public override DbConnection CreateConnection() => new WaitingConnection();

        public override DbCommand CreateCommand() => SqliteFactory.Instance.CreateCommand();

        public override DbParameter CreateParameter() => SqliteFactory.Instance.CreateParameter();

        public override DbConnectionStringBuilder CreateConnectionStringBuilder() => SqliteFactory.Instance.CreateConnectionStringBuilder();
    }

    private sealed class WaitingConnection : SqliteConnection
    {
        public override void Open()
        {
            base.Open();
            Apply(this);
        }
    }
}
