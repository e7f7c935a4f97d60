using System.Globalization;
using Npgsql;

namespace Rectification.Server.Tests.Infrastructure;

/// <summary>Plain SQL on a PostgreSQL connection of the test's own, for the tests that run on PostgreSQL only.</summary>
public static class PostgresSql
{
    public static async Task<long> ScalarAsync(this NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(this NpgsqlConnection db, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, db, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
