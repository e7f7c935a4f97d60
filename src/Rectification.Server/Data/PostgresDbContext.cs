using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Rectification.Server.Data;

/// <summary>The same model on PostgreSQL: a type of its own only so that its migrations (Data/Migrations/Postgres) are
/// kept apart from SQLite's. A test checks that both sets describe the current model.</summary>
public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : AppDbContext(options);

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresDbContext</c> build the context without a server.</summary>
public sealed class PostgresDbContextFactory : IDesignTimeDbContextFactory<PostgresDbContext>
{
    public PostgresDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=127.0.0.1;Database=design_time").Options);
}

/// <summary>Lets <c>dotnet ef migrations add X --context AppDbContext</c> build the SQLite context; without it the tool
/// takes the PostgreSQL factory above, whose context is also an <see cref="AppDbContext"/>.</summary>
public sealed class SqliteDbContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=design_time.db").Options);
}
