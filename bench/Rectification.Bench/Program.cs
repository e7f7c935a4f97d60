using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Npgsql;
using Rectification.Bench;
using Rectification.Processes;

// The benchmark harness: generates a country, runs the service over it as a separate process, drives it over HTTP from
// this process, and prints one table (also written to bench/results-<provider>.md). Not part of the test run.
//   dotnet run -c Release --project bench/Rectification.Bench -- [--provider sqlite|postgres] [--scale national|small] [--note "what changed"]
var options = Options.Parse(args);
var root = Directory.GetCurrentDirectory();
var data = Path.Combine(root, "bench-data", options.Provider);
if (Directory.Exists(data))
{
    Directory.Delete(data, recursive: true);
}

Directory.CreateDirectory(data);
var results = new Results(options);
var database = "rect_bench";
var connectionString = options.Provider == "postgres"
    ? $"{options.Postgres};Database={database}"
    : $"Data Source={Path.Combine(data, "rectification.db")}";
if (options.Provider == "postgres")
{
    await using var admin = new NpgsqlConnection($"{options.Postgres};Database=postgres");
    await admin.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
    await drop.ExecuteNonQueryAsync();
}

var settings = new Dictionary<string, string>
{
    ["Database:Provider"] = options.Provider == "postgres" ? "Postgres" : "Sqlite",
    ["ConnectionStrings:Rectification"] = connectionString,
    ["Demo:Seed"] = "false",
    ["Timers:SweepInterval"] = "00:00:02",
    // Every bench account signs in from this one address; the per-address limit is for people, not for the harness.
    ["Auth:SignInsPerMinute"] = "100000",
};

// 0. The service as an office installs it (the README's deployment): published for this platform, so compiled ahead of
//    time. Not the IL the build leaves beside this harness, which compiles as it starts, a second more of start-up.
var binaries = await PublishServiceAsync(root);
results.Note($"the service as published for {RuntimeInformation.RuntimeIdentifier} (ReadyToRun), as the README deploys it");

// 1. The service creates the schema and loads its flows on an empty database.
using (var empty = ServiceProcess.Start(data, settings, binaries: binaries))
{
    results.Add("start-up to healthy, empty database", (await empty.WaitHealthyAsync(TimeSpan.FromMinutes(2))).TotalMilliseconds, "ms", "< 3000");
}

// 2. The country, written with the driver.
var now = TimeProvider.System.GetUtcNow();
Dataset dataset;
await using (var connection = Open(options.Provider, connectionString))
{
    await connection.OpenAsync();
    dataset = new Dataset(connection, options.Scale, now);
    var generating = Stopwatch.StartNew();
    await dataset.GenerateAsync(CancellationToken.None);
    results.Note($"dataset: {options.Scale.Counties:N0} counties, {dataset.Townships:N0} townships, {dataset.Villages:N0} villages, "
        + $"{dataset.CaseCount:N0} cases, {dataset.ItemCount:N0} ledger items; generated in {generating.Elapsed.TotalSeconds:F0} s");
}

// 3. The first start recomputes every stage deadline the generator wrote to the flow's own (working days, the official
//    calendar), and its first sweep looks at each of those cases once; the second is the start-up an office sees every day.
using (var first = ServiceProcess.Start(data, settings, binaries: binaries))
{
    results.Add("first start after generation (stage deadlines recomputed to the flow's)", (await first.WaitHealthyAsync(TimeSpan.FromMinutes(30))).TotalMilliseconds, "ms", "");
    // Each recomputed case is then looked at by the alert sweep once; the first sweep logged has done them all.
    await Load.SweepsAsync(data, 1, TimeSpan.FromMinutes(10));
}

// That start rewrote every case once. Measured straight after it, the empty sweep on PostgreSQL took 60–130 ms, and
// 5–12 ms on the same database later; settled first, as a database in service is, the sweep is what is measured.
await using (var connection = Open(options.Provider, connectionString))
{
    await connection.OpenAsync();
    await Dataset.SettleAsync(connection);
}

// 4. Start-up, memory, and every measurement over HTTP against the running service.
using var service = ServiceProcess.Start(data, settings, binaries: binaries);
results.Add("start-up to healthy, dataset", (await service.WaitHealthyAsync(TimeSpan.FromMinutes(10))).TotalMilliseconds, "ms", "< 3000");
using var load = new Load(service, results, dataset, options);
await load.RunAsync(data, connectionString);

var output = Path.Combine(root, "bench", $"results-{options.Provider}.md");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
var table = results.Render();
Console.WriteLine(table);
// The newest run on top, every earlier one kept below it: the file is the before and after of each change.
var earlier = File.Exists(output)
    ? (await File.ReadAllLinesAsync(output)).Where(l => l != Results.EarlierRuns).Select(l => l.StartsWith("# ", StringComparison.Ordinal) ? "##" + l : l)
    : [];
await File.WriteAllTextAsync(output, table + Environment.NewLine + Results.EarlierRuns + Environment.NewLine + Environment.NewLine
    + string.Join(Environment.NewLine, earlier) + Environment.NewLine);
Console.WriteLine($"written to {output}");

static async Task<string> PublishServiceAsync(string root)
{
    var output = Path.Combine(root, "bench-data", "service");
    if (Directory.Exists(output))
    {
        // A library dropped since the last run would otherwise still lie there.
        Directory.Delete(output, recursive: true);
    }

    var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in new[] { "publish", Path.Combine(root, "src", "Rectification.Server"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
        "-o", output, "--nologo" })
    {
        publish.ArgumentList.Add(argument);
    }

    Console.WriteLine($"publishing the service to {output}");
    using var process = Process.Start(publish) ?? throw new InvalidOperationException("dotnet did not start");
    var said = process.StandardOutput.ReadToEndAsync();
    var complained = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):{Environment.NewLine}{await said}{await complained}");
    }

    return output;
}

static DbConnection Open(string provider, string connectionString) =>
    provider == "postgres" ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);

/// <summary>The harness's command line.</summary>
internal sealed record Options(string Provider, Scale Scale, string ScaleName, string Postgres, string? Note)
{
    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var provider = Value("--provider", "sqlite").ToLowerInvariant();
        var scale = Value("--scale", "national").ToLowerInvariant();
        if (provider is not ("sqlite" or "postgres") || scale is not ("national" or "small"))
        {
            throw new ArgumentException("--provider sqlite|postgres, --scale national|small");
        }

        return new Options(provider, scale == "national" ? Scale.National : Scale.Small, scale,
            Value("--postgres", "Host=127.0.0.1;Port=55432;Username=rectification"), Value("--note", "") is { Length: > 0 } note ? note : null);
    }
}

/// <summary>The figures of one run, and the machine they were measured on.</summary>
internal sealed class Results(Options options)
{
    public const string EarlierRuns = "## Earlier runs, newest first";

    private readonly List<(string What, string Value, string Target)> _rows = [];

    private readonly List<string> _notes = [];

    public void Add(string what, double value, string unit, string target) =>
        _rows.Add((what, string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}"), target));

    public void Add(string what, string value, string target) => _rows.Add((what, value, target));

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine(note);
    }

    public string Render()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim() : "?";
        var lines = new List<string>
        {
            $"# Benchmark: {options.Provider}, {options.ScaleName} scale",
            "",
            $"Measured {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({cpu ?? "?"}), {memory} memory, "
                + $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}.",
            "",
        };
        if (options.Note is { Length: > 0 } note)
        {
            lines.Add(note);
            lines.Add("");
        }

        lines.AddRange(_notes.Select(n => "- " + n));
        lines.Add("");
        lines.Add("| measurement | value | target (SQLite) |");
        lines.Add("|---|---|---|");
        lines.AddRange(_rows.Select(r => $"| {r.What} | {r.Value} | {r.Target} |"));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
