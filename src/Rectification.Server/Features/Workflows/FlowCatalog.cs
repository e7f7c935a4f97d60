using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Features.Workflows;

/// <summary>Where flow files are read from and which flow new cases start on.</summary>
public sealed record WorkflowOptions
{
    public const string Section = "Workflows";

    /// <summary>The folder of flow files; relative paths are resolved against the application folder. Default: workflows.</summary>
    public string Directory { get; init; } = "workflows";

    /// <summary>The flow key new cases start on. Default: rectification.</summary>
    public string DefaultFlow { get; init; } = "rectification";
}

/// <summary>Thrown when a case's flow version cannot be read any more; the log says why (see <see cref="FlowCatalog"/>).</summary>
public sealed class FlowVersionUnavailableException(int versionId)
    : Exception($"Flow version {versionId} cannot be read by this version of the service; the administrator must check the log.");

/// <summary>A flow version with its parsed definition; <see cref="ScopeId"/> is 0 for the defaults, else its county.</summary>
public sealed record LoadedFlow(int Id, string Key, int Version, string Source, DateTimeOffset LoadedAt, FlowDefinition Definition, string Yaml,
    int ScopeId, string? PublishedBy);

/// <summary>Every flow version the service knows, parsed once. Files are read on start: each distinct content
/// becomes a new immutable version, and cases stay on the version they started with.</summary>
public sealed class FlowCatalog(WorkflowOptions options, TimeProvider clock, ILogger<FlowCatalog> logger)
{
    private readonly ConcurrentDictionary<int, LoadedFlow> _byId = new();

    // Versions stored but no longer readable, by (key, scope): the newest of a scope must not be skipped silently.
    private readonly ConcurrentDictionary<(string Key, int ScopeId), int> _unreadable = new();

    public string DefaultFlowKey => options.DefaultFlow;

    public LoadedFlow Get(int versionId) => Find(versionId) ?? throw new FlowVersionUnavailableException(versionId);

    public LoadedFlow? Find(int versionId) => _byId.GetValueOrDefault(versionId);

    /// <summary>The latest default version of a flow (the one every county uses unless it published its own).</summary>
    public LoadedFlow? Latest(string key) => LatestIn(key, 0);

    /// <summary>The most specific published version for a county: its own latest, else the default's latest.</summary>
    public LoadedFlow? LatestFor(string key, int? countyId) =>
        (countyId is { } county ? LatestIn(key, county) : null) ?? Latest(key);

    public LoadedFlow? LatestIn(string key, int scopeId)
    {
        var latest = _byId.Values.Where(f => f.Key == key && f.ScopeId == scopeId).MaxBy(f => f.Version);
        if (_unreadable.TryGetValue((key, scopeId), out var unreadable) && unreadable > (latest?.Version ?? 0))
        {
            // Falling back to an older version (or the defaults) would start cases on a flow nobody chose.
            throw new FlowVersionUnavailableException(unreadable);
        }

        return latest;
    }

    public IReadOnlyList<LoadedFlow> Versions(string key) =>
        _byId.Values.Where(f => f.Key == key).OrderBy(f => f.Version).ToList();

    public IReadOnlyList<string> Keys => _byId.Values.Select(f => f.Key).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Makes a version just committed (a publish) available at once.</summary>
    public void Add(FlowVersion version)
    {
        var result = FlowReader.Read(version.Source, version.Yaml);
        if (!result.Succeeded)
        {
            // A stored version was valid when it was stored; if the reader has since grown stricter, the cases on it
            // must still move, so this is logged loudly rather than hidden.
            logger.LogError("Stored flow {FlowKey} version {Version} no longer reads: {Errors}", version.Key, version.Version,
                string.Join("; ", result.Errors));
            _unreadable.AddOrUpdate((version.Key, version.ScopeId), version.Version, (_, v) => Math.Max(v, version.Version));
            return;
        }

        _byId[version.Id] = new LoadedFlow(version.Id, version.Key, version.Version, version.Source, version.LoadedAt, result.Definition!,
            version.Yaml, version.ScopeId, version.PublishedByName);
    }

    /// <summary>Reads every flow file, stops with all errors if any is invalid, and records new versions.</summary>
    public async Task LoadAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(options.Directory, HostingSetup.AppDirectory);
        var files = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.yaml").Concat(System.IO.Directory.GetFiles(directory, "*.yml")).Order(StringComparer.Ordinal).ToList()
            : [];
        var diagnostics = new List<FlowDiagnostic>();
        var parsed = new List<(string File, string Yaml, FlowDefinition Definition)>();
        foreach (var file in files)
        {
            var yaml = await File.ReadAllTextAsync(file, cancellationToken);
            var result = FlowReader.Read(Path.GetFileName(file), yaml);
            diagnostics.AddRange(result.Diagnostics);
            if (result.Succeeded)
            {
                parsed.Add((Path.GetFileName(file), yaml, result.Definition!));
            }
        }

        foreach (var duplicate in parsed.GroupBy(p => p.Definition.Key).Where(g => g.Count() > 1))
        {
            diagnostics.Add(new FlowDiagnostic(duplicate.Last().File, 1, 1, "key",
                $"Flow key '{duplicate.Key}' is also used by {duplicate.First().File}.", $"流程键“{duplicate.Key}”与 {duplicate.First().File} 重复。"));
        }

        if (!parsed.Any(p => p.Definition.Key == options.DefaultFlow) && !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            diagnostics.Add(new FlowDiagnostic(directory, 1, 1, "Workflows:DefaultFlow",
                $"No flow file defines the default flow '{options.DefaultFlow}'.", $"没有流程文件定义默认流程“{options.DefaultFlow}”。"));
        }

        foreach (var warning in diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning))
        {
            logger.LogWarning("Flow warning {Diagnostic}", warning.ToString());
        }

        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new FlowLoadException(errors);
        }

        foreach (var (file, yaml, definition) in parsed)
        {
            await RecordVersionAsync(db, file, yaml, definition, cancellationToken);
        }

        foreach (var version in await db.FlowVersions.AsNoTracking().ToListAsync(cancellationToken))
        {
            Add(version);
        }
    }

    private async Task RecordVersionAsync(AppDbContext db, string file, string yaml, FlowDefinition definition, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml.ReplaceLineEndings("\n"))));
        // Compared with what this file gave last time, not with the latest version: a default published through
        // the service stays in force until someone edits the file.
        var fromFile = await db.FlowVersions.Where(v => v.Key == definition.Key && v.ScopeId == 0 && v.Source == file && v.PublishedById == null)
            .OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
        if (fromFile?.ContentHash == hash)
        {
            return;
        }

        var latest = await db.FlowVersions.Where(v => v.Key == definition.Key).OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
        var version = new FlowVersion
        {
            Key = definition.Key,
            Version = (latest?.Version ?? 0) + 1,
            Name = definition.Name,
            ContentHash = hash,
            Source = file,
            Yaml = yaml,
            LoadedAt = clock.GetUtcNow(),
        };
        db.FlowVersions.Add(version);
        db.AuditEvents.Add(new AuditEvent
        {
            At = version.LoadedAt,
            ActorName = "系统",
            Kind = "flow-version-loaded",
            Subject = $"workflow/{version.Key}",
            Detail = JsonSerializer.Serialize(new { version.Key, version.Version, version.Source, version.ContentHash }),
        });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Flow {FlowKey} version {Version} loaded from {File}", version.Key, version.Version, file);
    }
}
