using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration.Json;
using Serilog;

namespace Rectification.Server.Infrastructure;

/// <summary>The database the service runs on: an embedded SQLite file for one county, PostgreSQL shared by several
/// nodes for a province or the country.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Where the service keeps its files; relative paths are resolved against the content root.</summary>
public sealed record StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The folder for the key ring and evidence files. Default: data/.</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Database:Provider. Default: Sqlite.</summary>
    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;

    /// <summary>The connection string: for SQLite with its file resolved to an absolute path.</summary>
    public string ConnectionString { get; init; } = "";
}

/// <summary>Wires configuration files, logging and storage from <c>config/</c>.</summary>
public static class HostingSetup
{
    /// <summary>The folder holding config/ and workflows/: beside the binary, where the build copies them.</summary>
    public static string AppDirectory => AppContext.BaseDirectory;

    /// <summary>Reads config/serilog.json, config/appsettings.json and config/appsettings.{Environment}.json before environment variables and
    /// the command line, so <c>--urls</c> and <c>ConnectionStrings__Rectification</c> still override them.</summary>
    public static WebApplicationBuilder AddConfigDirectory(this WebApplicationBuilder builder)
    {
        var configDir = Path.Combine(AppDirectory, "config");
        var sources = builder.Configuration.Sources;
        var insertAt = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i + 1;
        var files = new[] { "serilog.json", "appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json" };
        foreach (var file in files.Reverse())
        {
            var source = new JsonConfigurationSource { Path = Path.Combine(configDir, file), Optional = true, ReloadOnChange = false };
            source.ResolveFileProvider();
            sources.Insert(insertAt, source);
        }

        return builder;
    }

    /// <summary>The storage resolved by <see cref="AddStorage"/>, for registrations that need it at build time.</summary>
    public static StorageOptions Storage(this WebApplicationBuilder builder) =>
        (StorageOptions)((IHostApplicationBuilder)builder).Properties[typeof(StorageOptions)];

    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    /// <summary>Resolves the data directory, the database provider and its connection string (SQLite: a file under
    /// data/ by default).</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var root = builder.Environment.ContentRootPath;
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var dataDir = Path.GetFullPath(storage.DataDirectory, root);
        Directory.CreateDirectory(dataDir);

        var provider = builder.Configuration.GetValue<DatabaseProvider?>("Database:Provider") ?? DatabaseProvider.Sqlite;
        var configured = builder.Configuration.GetConnectionString("Rectification");
        string connectionString;
        if (provider == DatabaseProvider.Postgres)
        {
            connectionString = configured ?? throw new InvalidOperationException(
                "Database:Provider is Postgres: set ConnectionStrings:Rectification (e.g. Host=127.0.0.1;Port=5432;Database=rectification;Username=...;Password=...).");
        }
        else
        {
            var connection = new SqliteConnectionStringBuilder(configured ?? "Data Source=data/rectification.db");
            connection.DataSource = Path.GetFullPath(connection.DataSource, root);
            Directory.CreateDirectory(Path.GetDirectoryName(connection.DataSource)!);
            connectionString = connection.ToString();
        }

        var resolved = storage with { DataDirectory = dataDir, Provider = provider, ConnectionString = connectionString };
        builder.Services.AddSingleton(resolved);
        ((IHostApplicationBuilder)builder).Properties[typeof(StorageOptions)] = resolved;

        // Tokens must survive restarts, so the key ring lives beside the database. Whoever reads it can mint tokens:
        // on Unix only the service's own account may open the folder.
        var keys = Path.Combine(dataDir, "keys");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(keys);
        }
        else
        {
            Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        builder.Services.AddDataProtection()
            .SetApplicationName("Rectification")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));
        return builder;
    }
}
