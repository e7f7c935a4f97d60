using System.Data;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rectification.Server.Data;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Backup;

/// <summary>Makes a consistent backup while the service runs: a snapshot of the database read in one transaction
/// (SQLite's VACUUM INTO; on PostgreSQL pg_dump on a snapshot our own transaction exports), then exactly the evidence
/// files that snapshot names. Evidence is only ever added, and a file is written before its row: every file the
/// snapshot names is complete on disk, and files uploaded after it are left out with their rows.</summary>
public sealed class BackupMaker(StorageOptions storage, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);

    private sealed record Snapshot(string Migration, Dictionary<string, long> Counts, List<EvidenceFile> Evidence);

    /// <summary>Writes the archive to <paramref name="destination"/>, or returns null at once when another backup of
    /// this process is still running (each takes a full read of the database and the files).</summary>
    public async Task<BackupManifest?> TryWriteAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (!await _running.WaitAsync(0, cancellationToken))
        {
            return null;
        }

        try
        {
            return await WriteAsync(destination, cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<BackupManifest> WriteAsync(Stream destination, CancellationToken cancellationToken)
    {
        var createdAt = clock.GetUtcNow();
        var stamp = ShanghaiTime.ToLocal(createdAt);
        using var work = BackupArchive.WorkFolder(storage.DataDirectory, "backup");
        var databaseFile = Path.Combine(work.Path, "database");
        var snapshot = storage.Provider == DatabaseProvider.Postgres
            ? await SnapshotPostgresAsync(databaseFile, cancellationToken)
            : await SnapshotSqliteAsync(databaseFile, cancellationToken);

        var files = new List<BackupFile>();
        BackupManifest manifest;
        using (var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
        {
            files.Add(await BackupArchive.AddAsync(zip, BackupArchive.DatabaseEntry(storage.Provider), databaseFile, CompressionLevel.Optimal, stamp,
                cancellationToken));
            foreach (var evidence in snapshot.Evidence)
            {
                var name = BackupArchive.EvidenceEntry(evidence);
                BackupFile file;
                try
                {
                    // Photos and PDFs are compressed already: stored as they are.
                    file = await BackupArchive.AddAsync(zip, name, Ledger.Evidence.PathOf(storage, evidence), CompressionLevel.NoCompression, stamp,
                        cancellationToken);
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new BackupException($"证明材料 #{evidence.Id}（{evidence.FileName}）的文件 {Ledger.Evidence.PathOf(storage, evidence)} 不见了：备份中止。");
                }

                if (file.Sha256 != evidence.Sha256)
                {
                    throw new BackupException(
                        $"证明材料 #{evidence.Id}（{evidence.FileName}）的文件与上传时记录的 SHA-256 不符，已损坏：备份中止。文件：{Ledger.Evidence.PathOf(storage, evidence)}");
                }

                files.Add(file);
            }

            manifest = new BackupManifest(BackupArchive.Format, BackupArchive.FormatVersion, createdAt, BackupArchive.ServiceVersion,
                BackupArchive.ProviderName(storage.Provider), snapshot.Migration, snapshot.Counts, files);
            var entry = zip.CreateEntry(BackupArchive.ManifestEntry, CompressionLevel.Optimal);
            entry.LastWriteTime = stamp;
            await using var output = entry.Open();
            await JsonSerializer.SerializeAsync(output, manifest, BackupArchive.Json, cancellationToken);
        }

        return manifest;
    }

    private async Task<Snapshot> SnapshotSqliteAsync(string file, CancellationToken cancellationToken)
    {
        var live = new SqliteConnectionStringBuilder(storage.ConnectionString).DataSource;
        if (!File.Exists(live))
        {
            // Opening it would create an empty database: a backup of nothing.
            throw new BackupException($"没有数据库文件 {live}：这里还没有运行过服务，或者 ConnectionStrings:Rectification 指向了别处。");
        }

        // One statement, one read transaction: WAL lets the service go on writing while it runs, and the copy is the
        // database as of its start. The write gate is not taken; nothing here writes to the live file.
        await using (var connection = new SqliteConnection(storage.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM INTO $path";
            vacuum.Parameters.AddWithValue("$path", file);
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(SqliteFile(file)).Options);
        return await ReadAsync(db, cancellationToken);
    }

    private async Task<Snapshot> SnapshotPostgresAsync(string file, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }

        string snapshotId;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction))
        {
            snapshotId = (string)(await export.ExecuteScalarAsync(cancellationToken))!;
        }

        // The evidence list and pg_dump see the same snapshot: the one this transaction holds open until the dump is done.
        await using var db = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(connection).Options);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);
        var snapshot = await ReadAsync(db, cancellationToken);
        await PostgresTools.RunAsync("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={snapshotId}", $"--file={file}"],
            storage.ConnectionString, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return snapshot;
    }

    private static async Task<Snapshot> ReadAsync(AppDbContext db, CancellationToken cancellationToken) => new(
        await BackupArchive.LatestMigrationAsync(db, cancellationToken),
        await BackupArchive.CountAsync(db, cancellationToken),
        await db.Set<EvidenceFile>().AsNoTracking().OrderBy(e => e.Id).ToListAsync(cancellationToken));

    /// <summary>A connection string for a database file of our own: not pooled, so the file is closed when we are done.</summary>
    internal static string SqliteFile(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();

    public void Dispose() => _running.Dispose();
}
