using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Platform;

/// <summary>The two providers' migrations describe the same current model, and on either the database itself refuses
/// to change history behind the service's back.</summary>
public sealed class DatabaseTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public void Migrations_OfBothProviders_DescribeTheCurrentModel()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var sqlite = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connection).Options);
        Assert.False(sqlite.Database.HasPendingModelChanges(), "The model changed: add a migration for SQLite (see the README).");
        using var postgres = new PostgresDbContextFactory().CreateDbContext([]);
        Assert.False(postgres.Database.HasPendingModelChanges(), "The model changed: add a migration for PostgreSQL (see the README).");
        Assert.Equal(
            sqlite.Model.GetEntityTypes().Select(e => e.GetTableName()).Order(StringComparer.Ordinal),
            postgres.Model.GetEntityTypes().Select(e => e.GetTableName()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task History_EditedOrDeletedInTheDatabase_IsRefusedByTheDatabase()
    {
        using (var client = await app.ClientForAsync("county-admin"))
        {
            await (await client.GetAsync("/api/v1/cases")).ExpectAsync(HttpStatusCode.OK);
        }

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.True(await db.CaseEvents.AnyAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE \"CaseEvents\" SET \"Comment\" = 'edited'"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM \"CaseEvents\""));
        // The one update start-up may make, sealing an entry written before chaining, is refused for a sealed entry.
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE \"CaseEvents\" SET \"Hash\" = 'forged'"));
        Assert.DoesNotContain(await db.CaseEvents.Select(e => e.Comment).ToListAsync(), c => c == "edited");
    }

    [Fact]
    public async Task SqliteConnections_OfTheServiceAndItsScheduler_WaitForALockInsideSqlite()
    {
        if (RectificationApp.Postgres is not null)
        {
            return;
        }

        // Without a busy timeout the driver answers a lock held by another connection by sleeping 150 ms between tries.
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.OpenConnectionAsync();
        Assert.Equal(SqliteBusyWait.Milliseconds, await BusyTimeoutAsync(db.Database.GetDbConnection()));
        await using var scheduler = SqliteBusyWait.Factory.Instance.CreateConnection();
        // Unpooled, so neither can be handed a native connection the service set up already.
        scheduler.ConnectionString = app.ConnectionString + ";Pooling=False";
        await scheduler.OpenAsync();
        Assert.Equal(SqliteBusyWait.Milliseconds, await BusyTimeoutAsync(scheduler));
        await using var plain = new SqliteConnection(app.ConnectionString + ";Pooling=False");
        await plain.OpenAsync();
        Assert.Equal(0, await BusyTimeoutAsync(plain));
    }

    private static async Task<long> BusyTimeoutAsync(System.Data.Common.DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
