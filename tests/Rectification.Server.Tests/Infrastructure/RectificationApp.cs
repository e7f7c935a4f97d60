using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Rectification.Server.Tests.Infrastructure;

/// <summary>The whole service in process, over a real SQLite file in a fresh temp folder (or a fresh database on the
/// PostgreSQL server named by RECTIFICATION_TEST_POSTGRES), the real Quartz scheduler, demo data seeded, and a fake
/// clock pinned to Monday 2026-03-02 09:00 in Shanghai. One per test class.</summary>
public class RectificationApp : WebApplicationFactory<Program>
{
    /// <summary>The PostgreSQL server the suite runs on instead of SQLite files, when set (tests/run.sh sets it for its
    /// second pass): a connection string without a database; each app gets a database of its own.</summary>
    public static string? Postgres { get; } = Environment.GetEnvironmentVariable("RECTIFICATION_TEST_POSTGRES") is { Length: > 0 } server ? server : null;

    /// <summary>That PostgreSQL server, for a test that cannot run without it: the test fails, saying so, when there is none.</summary>
    public static string RequirePostgres(string test) => Postgres
        ?? throw new InvalidOperationException($"{test} needs PostgreSQL: run tests/run.sh, which starts one and sets RECTIFICATION_TEST_POSTGRES.");

    /// <summary>The start of every test's world: a Monday morning early in the rectification year.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    private readonly ConcurrentDictionary<string, string> _tokens = new();

    private readonly bool _ownsDirectory;

    public RectificationApp()
        : this(null, Start)
    {
    }

    /// <summary>An app over an existing data folder (a restart), or a fresh one when <paramref name="dataDirectory"/> is null.</summary>
    protected RectificationApp(string? dataDirectory, DateTimeOffset now)
    {
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Clock = new FakeTimeProvider(now);
    }

    public FakeTimeProvider Clock { get; }

    public string DataDirectory { get; }

    public string DatabaseFile => Path.Combine(DataDirectory, "rectification.db");

    /// <summary>On PostgreSQL: the database of this app's data folder, so a restart over the folder finds it again.</summary>
    public string DatabaseName => "rect_" + Path.GetFileName(DataDirectory);

    public string ConnectionString => Postgres is null ? $"Data Source={DatabaseFile}" : $"{Postgres};Database={DatabaseName}";

    /// <summary>Whether the service runs on <see cref="Clock"/>; a drill test runs it on its own simulated clock instead.</summary>
    protected virtual bool UseFakeClock => true;

    /// <summary>Settings a test class adds or overrides (e.g. a folder of broken flow files).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Rectification"] = ConnectionString,
            ["Database:Provider"] = Postgres is null ? "Sqlite" : "Postgres",
            ["Storage:DataDirectory"] = DataDirectory,
            ["Demo:Seed"] = "true",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Tests sign in far more often than people; the limit has a test of its own.
            ["Auth:SignInsPerMinute"] = "10000",
            // The test server has no body size limit of its own, and routing warns of that on every upload; the service's
            // RequestGuard enforces the limits on any server.
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware"] = "Error",
            ["Serilog:WriteTo:File:Args:path"] = Path.Combine(DataDirectory, "logs", "rectification-.log"),
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (UseFakeClock)
        {
            builder.ConfigureServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Clock);
            });
        }
    }

    /// <summary>A client signed in as one of the demo accounts (password Demo@2026).</summary>
    public async Task<HttpClient> ClientForAsync(string userName)
    {
        var client = CreateClient();
        if (!_tokens.TryGetValue(userName, out var token))
        {
            using var anonymous = CreateClient();
            var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { username = userName, password = "Demo@2026" });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<TokenResponse>())!.Token;
            _tokens[userName] = token;
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Drops cached tokens, e.g. after moving the clock past their lifetime.</summary>
    public void ForgetTokens() => _tokens.Clear();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDirectory)
        {
            DropPostgresDatabase(DatabaseName);
        }

        if (disposing && _ownsDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open on some platform; the temp folder is cleaned by the OS eventually.
            }
        }
    }

    /// <summary>On PostgreSQL, drops an app's database (a test that restarts over a folder of its own cleans up with it).</summary>
    public static void DropPostgresDatabase(string databaseName)
    {
        if (Postgres is null)
        {
            return;
        }

        using var connection = new Npgsql.NpgsqlConnection($"{Postgres};Database=postgres");
        connection.Open();
        using var drop = connection.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)";
        drop.ExecuteNonQuery();
    }

    private sealed record TokenResponse(string Token);
}
