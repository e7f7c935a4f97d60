using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Ledger;

namespace Rectification.Server.Features.Backup;

/// <summary>What a backup archive holds, kept in it as manifest.json: enough to refuse a damaged or foreign archive before
/// anything is restored.</summary>
public sealed record BackupManifest(
    string Format,
    int FormatVersion,
    DateTimeOffset CreatedAt,
    string ServiceVersion,
    string Provider,
    string Migration,
    IReadOnlyDictionary<string, long> Counts,
    IReadOnlyList<BackupFile> Files);

/// <summary>One file of an archive: its entry name, size and SHA-256.</summary>
public sealed record BackupFile(string Path, long Size, string Sha256);

/// <summary>A backup or restore that cannot go on; the message says why, for the operator.</summary>
public sealed class BackupException(string message) : Exception(message);

/// <summary>The archive's layout and the pieces the backup and the restore share.</summary>
public static partial class BackupArchive
{
    public const string Format = "rectification-backup";

    public const int FormatVersion = 1;

    public const string ManifestEntry = "manifest.json";

    public const string SqliteEntry = "database/rectification.db";

    public const string PostgresEntry = "database/rectification.pgdump";

    public const string EvidencePrefix = "evidence/";

    /// <summary>The manifest as a person reading it expects it: indented, and '+' not escaped as \u002B.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ProviderName(Infrastructure.DatabaseProvider provider) => provider == Infrastructure.DatabaseProvider.Postgres ? "postgres" : "sqlite";

    public static string DatabaseEntry(Infrastructure.DatabaseProvider provider) =>
        provider == Infrastructure.DatabaseProvider.Postgres ? PostgresEntry : SqliteEntry;

    public static string EvidenceEntry(EvidenceFile evidence) =>
        $"{EvidencePrefix}{evidence.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{evidence.StoredName}";

    /// <summary>Only names the backup itself writes are restored: nothing in an archive can point outside the target
    /// folder, whatever its manifest says.</summary>
    public static bool IsValidEntry(string path) => path is SqliteEntry or PostgresEntry || EvidenceEntryPattern().IsMatch(path);

    public static string ServiceVersion =>
        typeof(BackupArchive).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Row counts of the tables that hold the work, so a restore can check the database it brings back.</summary>
    public static async Task<Dictionary<string, long>> CountAsync(AppDbContext db, CancellationToken cancellationToken) => new()
    {
        ["orgUnits"] = await db.OrgUnits.LongCountAsync(cancellationToken),
        ["users"] = await db.Users.LongCountAsync(cancellationToken),
        ["flowVersions"] = await db.FlowVersions.LongCountAsync(cancellationToken),
        ["cases"] = await db.Cases.LongCountAsync(cancellationToken),
        ["caseEvents"] = await db.CaseEvents.LongCountAsync(cancellationToken),
        ["ledgerItems"] = await db.LedgerItems.LongCountAsync(cancellationToken),
        ["evidenceFiles"] = await db.Set<EvidenceFile>().LongCountAsync(cancellationToken),
        ["auditEvents"] = await db.AuditEvents.LongCountAsync(cancellationToken),
    };

    /// <summary>The last migration applied to the database, read from EF's history table (same name on both providers).</summary>
    public static async Task<string> LatestMigrationAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var applied = await db.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"").ToListAsync(cancellationToken);
        return applied.Order(StringComparer.Ordinal).LastOrDefault() ?? "";
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> and returns its size and SHA-256, read
    /// in the same pass.</summary>
    public static async Task<(long Size, string Sha256)> CopyHashedAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            size += read;
        }

        return (size, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>Adds a file to the archive, returning what the manifest says of it.</summary>
    public static async Task<BackupFile> AddAsync(ZipArchive zip, string entryName, string sourcePath, CompressionLevel level, DateTimeOffset stamp,
        CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(entryName, level);
        entry.LastWriteTime = stamp;
        await using var input = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var output = entry.Open();
        var (size, sha256) = await CopyHashedAsync(input, output, cancellationToken);
        return new BackupFile(entryName, size, sha256);
    }

    /// <summary>A folder for a backup's or restore's working files, on the data folder's disk so that finished files
    /// are moved into place, not copied; removed when disposed.</summary>
    public static TemporaryFolder WorkFolder(string dataDirectory, string purpose) =>
        new(Path.Combine(dataDirectory, $".{purpose}-{Guid.NewGuid():N}"));

    [GeneratedRegex("^evidence/[0-9]{1,10}/[0-9a-f]{32}$")]
    private static partial Regex EvidenceEntryPattern();
}

/// <summary>A folder deleted with everything in it when disposed.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: its contents were moved into place.
        }
    }
}
