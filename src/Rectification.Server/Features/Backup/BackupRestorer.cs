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

/// <summary>Brings an archive back into a fresh install, with the service stopped. Nothing is put in place until the
/// whole archive has been extracted beside the target and checked (every file against the manifest's SHA-256, the
/// SQLite database's integrity, rows and evidence against the manifest; a PostgreSQL dump by pg_restore itself, then
/// restored in one transaction); a refused archive leaves the target as it was.</summary>
public sealed class BackupRestorer(StorageOptions storage, TimeProvider clock)
{
    /// <summary>What was restored, and where the files it replaced went (with <c>force</c>).</summary>
    public sealed record Outcome(BackupManifest Manifest, string? ReplacedFolder);

    private string EvidenceDirectory => Path.Combine(storage.DataDirectory, "evidence");

    private string SqliteDatabase => new SqliteConnectionStringBuilder(storage.ConnectionString).DataSource;

    /// <summary>Restores <paramref name="archivePath"/>. Without <paramref name="force"/> the target must be fresh (no
    /// database, no evidence); with it, the files there are moved aside, not deleted. A PostgreSQL database is never
    /// overwritten: it must be empty or not exist yet.</summary>
    public async Task<Outcome> RestoreAsync(string archivePath, bool force, CancellationToken cancellationToken)
    {
        if (!File.Exists(archivePath))
        {
            throw new BackupException($"找不到备份归档 {archivePath}。");
        }

        await RefuseUnlessFreshAsync(force, cancellationToken);
        Directory.CreateDirectory(storage.DataDirectory);
        using var work = BackupArchive.WorkFolder(storage.DataDirectory, "restore");
        var manifest = await ExtractAsync(archivePath, work.Path, cancellationToken);
        var database = Path.Combine(work.Path, BackupArchive.DatabaseEntry(storage.Provider));
        var evidence = Path.Combine(work.Path, "evidence");
        if (storage.Provider == DatabaseProvider.Postgres)
        {
            await PostgresTools.RunAsync("pg_restore", ["--list", database], storage.ConnectionString, cancellationToken);
        }
        else
        {
            await VerifySqliteAsync(database, manifest, cancellationToken);
        }

        // Checked again: the first look was before a possibly long extraction.
        await RefuseUnlessFreshAsync(force, cancellationToken);
        var replaced = force ? MoveAside() : null;
        if (storage.Provider == DatabaseProvider.Postgres)
        {
            await RestorePostgresAsync(database, cancellationToken);
            MoveEvidenceIn(evidence);
        }
        else
        {
            // The database file last: until it is there the install is still a fresh one.
            MoveEvidenceIn(evidence);
            Directory.CreateDirectory(Path.GetDirectoryName(SqliteDatabase)!);
            File.Move(database, SqliteDatabase);
        }

        return new Outcome(manifest, replaced);
    }

    private async Task<BackupManifest> ExtractAsync(string archivePath, string folder, CancellationToken cancellationToken)
    {
        try
        {
            using var zip = ZipFile.OpenRead(archivePath);
            var manifest = ReadManifest(zip);
            foreach (var file in manifest.Files)
            {
                var entry = zip.GetEntry(file.Path)!;
                var target = Path.Combine(folder, file.Path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                long size;
                string sha256;
                await using (var input = entry.Open())
                await using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
                {
                    (size, sha256) = await BackupArchive.CopyHashedAsync(input, output, cancellationToken);
                }

                if (size != file.Size || sha256 != file.Sha256)
                {
                    throw Damaged($"{file.Path} 与清单记录的大小或 SHA-256 不符");
                }
            }

            return manifest;
        }
        catch (InvalidDataException ex)
        {
            throw Damaged($"无法读取（{ex.Message}）");
        }
    }

    private BackupManifest ReadManifest(ZipArchive zip)
    {
        var entry = zip.GetEntry(BackupArchive.ManifestEntry)
            ?? throw new BackupException($"归档里没有 {BackupArchive.ManifestEntry}：这不是本服务的备份归档，未做任何改动。");
        BackupManifest? manifest;
        try
        {
            using var stream = entry.Open();
            manifest = JsonSerializer.Deserialize<BackupManifest>(stream, BackupArchive.Json);
        }
        catch (JsonException)
        {
            throw Damaged($"{BackupArchive.ManifestEntry} 不是有效的清单");
        }

        if (manifest?.Format != BackupArchive.Format)
        {
            throw new BackupException("这不是本服务的备份归档（清单格式不符），未做任何改动。");
        }

        if (manifest.FormatVersion > BackupArchive.FormatVersion)
        {
            throw new BackupException($"归档格式第 {manifest.FormatVersion} 版比本版本的服务新：请用更新版本的服务恢复，未做任何改动。");
        }

        if (manifest.Files is null || manifest.Counts is null || manifest.Migration is null || manifest.Provider is null)
        {
            throw Damaged("清单不完整");
        }

        var provider = BackupArchive.ProviderName(storage.Provider);
        if (manifest.Provider != provider)
        {
            throw new BackupException($"归档是 {manifest.Provider} 数据库的备份，而这里配置的是 {provider}（Database:Provider）：请在相同数据库上恢复，未做任何改动。");
        }

        var paths = manifest.Files.Select(f => f.Path).ToList();
        if (paths.Any(p => p is null || !BackupArchive.IsValidEntry(p)) || paths.Distinct().Count() != paths.Count
            || paths.Count(p => p.StartsWith("database/", StringComparison.Ordinal)) != 1 || !paths.Contains(BackupArchive.DatabaseEntry(storage.Provider)))
        {
            throw Damaged("清单列出的文件不合规");
        }

        var entries = zip.Entries.Select(e => e.FullName).ToList();
        if (entries.Count != paths.Count + 1 || !entries.ToHashSet().SetEquals(paths.Append(BackupArchive.ManifestEntry)))
        {
            throw Damaged("归档里的文件与清单不一致");
        }

        // The design-time contexts know this build's migrations without a database to connect to.
        using var design = storage.Provider == DatabaseProvider.Postgres
            ? (AppDbContext)new PostgresDbContextFactory().CreateDbContext([])
            : new SqliteDbContextFactory().CreateDbContext([]);
        if (!design.Database.GetMigrations().Contains(manifest.Migration))
        {
            throw new BackupException($"归档的数据库结构（迁移 {manifest.Migration}）不是本版本的服务所知的：请用备份时的版本或更新版本恢复，未做任何改动。");
        }

        return manifest;
    }

    private static async Task VerifySqliteAsync(string database, BackupManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            await using (var connection = new SqliteConnection(BackupMaker.SqliteFile(database)))
            {
                await connection.OpenAsync(cancellationToken);
                await using var check = connection.CreateCommand();
                check.CommandText = "PRAGMA integrity_check";
                if (await check.ExecuteScalarAsync(cancellationToken) is not "ok")
                {
                    throw Damaged("数据库文件未通过 SQLite 完整性检查");
                }
            }

            await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(BackupMaker.SqliteFile(database)).Options);
            if (await BackupArchive.LatestMigrationAsync(db, cancellationToken) != manifest.Migration)
            {
                throw Damaged("数据库的迁移与清单不符");
            }

            var counts = await BackupArchive.CountAsync(db, cancellationToken);
            if (counts.Count != manifest.Counts.Count || counts.Any(c => !manifest.Counts.TryGetValue(c.Key, out var n) || n != c.Value))
            {
                throw Damaged("数据库的行数与清单不符");
            }

            // Every evidence row has its file, byte for byte as uploaded, and the archive holds no file without a row.
            var files = manifest.Files.ToDictionary(f => f.Path, f => f.Sha256);
            var rows = await db.Set<EvidenceFile>().AsNoTracking().ToListAsync(cancellationToken);
            if (rows.Any(e => !files.TryGetValue(BackupArchive.EvidenceEntry(e), out var sha) || sha != e.Sha256)
                || files.Keys.Count(k => k.StartsWith(BackupArchive.EvidencePrefix, StringComparison.Ordinal)) != rows.Count)
            {
                throw Damaged("证明材料文件与数据库记录不一致");
            }
        }
        catch (SqliteException ex)
        {
            throw Damaged($"数据库文件无法读取（{ex.Message}）");
        }
    }

    private async Task RestorePostgresAsync(string dump, CancellationToken cancellationToken)
    {
        var name = new NpgsqlConnectionStringBuilder(storage.ConnectionString).Database;
        if (!await PostgresDatabaseExistsAsync(name!, cancellationToken))
        {
            await using var server = new NpgsqlConnection(MaintenanceDatabase());
            await server.OpenAsync(cancellationToken);
            await using var create = server.CreateCommand();
            create.CommandText = $"CREATE DATABASE \"{name!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // One transaction: a dump that fails half-way leaves the database empty, as it was.
        await PostgresTools.RunAsync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", $"--dbname={name}", dump],
            storage.ConnectionString, cancellationToken);
    }

    private async Task RefuseUnlessFreshAsync(bool force, CancellationToken cancellationToken)
    {
        if (storage.Provider == DatabaseProvider.Postgres)
        {
            var name = new NpgsqlConnectionStringBuilder(storage.ConnectionString).Database;
            if (string.IsNullOrEmpty(name))
            {
                throw new BackupException("ConnectionStrings:Rectification 没有指定 Database：恢复到哪个数据库？");
            }

            if (await PostgresDatabaseExistsAsync(name, cancellationToken) && await PostgresTableCountAsync(cancellationToken) > 0)
            {
                throw new BackupException($"PostgreSQL 数据库 {name} 里已经有表：恢复不覆盖已有的数据库（--force 也不会）。"
                    + $"确认不再需要它时，先删除并重建（DROP DATABASE \"{name}\"; CREATE DATABASE \"{name}\";），再恢复。");
            }
        }
        else if (!force && (File.Exists(SqliteDatabase) || File.Exists(SqliteDatabase + "-wal")))
        {
            throw new BackupException($"数据库文件 {SqliteDatabase} 已经存在：恢复只写入全新的安装。确认要替换它时加 --force（原有文件会移到数据目录下的 replaced-… 文件夹，不会删除）。");
        }

        if (!force && Directory.Exists(EvidenceDirectory) && Directory.EnumerateFileSystemEntries(EvidenceDirectory).Any())
        {
            throw new BackupException($"证明材料目录 {EvidenceDirectory} 不是空的：恢复只写入全新的安装。确认要替换时加 --force（原有文件会移到 replaced-… 文件夹）。");
        }
    }

    /// <summary>Moves what a forced restore replaces into a folder of its own. The key ring goes too: tokens the old
    /// install issued name users of the old database, and must not be honoured by the restored one.</summary>
    private string MoveAside()
    {
        var folder = Path.Combine(storage.DataDirectory, $"replaced-{ShanghaiTime.ToLocal(clock.GetUtcNow()):yyyyMMdd-HHmmss}");
        if (Directory.Exists(folder))
        {
            folder += "-" + Guid.NewGuid().ToString("N")[..8];
        }

        Directory.CreateDirectory(folder);
        if (storage.Provider == DatabaseProvider.Sqlite)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
            {
                if (File.Exists(SqliteDatabase + suffix))
                {
                    File.Move(SqliteDatabase + suffix, Path.Combine(folder, Path.GetFileName(SqliteDatabase) + suffix));
                }
            }
        }

        foreach (var name in new[] { "evidence", "keys" })
        {
            var path = Path.Combine(storage.DataDirectory, name);
            if (Directory.Exists(path))
            {
                Directory.Move(path, Path.Combine(folder, name));
            }
        }

        return folder;
    }

    private void MoveEvidenceIn(string extracted)
    {
        if (Directory.Exists(EvidenceDirectory))
        {
            // Empty (checked above): the move needs the name free.
            Directory.Delete(EvidenceDirectory);
        }

        if (Directory.Exists(extracted))
        {
            Directory.Move(extracted, EvidenceDirectory);
        }
    }

    private async Task<bool> PostgresDatabaseExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var server = new NpgsqlConnection(MaintenanceDatabase());
        await server.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", server);
        exists.Parameters.AddWithValue("name", name);
        return await exists.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task<long> PostgresTableCountAsync(CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(storage.ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(target.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The server's own database, where another database is looked up and created.</summary>
    private string MaintenanceDatabase() => new NpgsqlConnectionStringBuilder(storage.ConnectionString) { Database = "postgres", Pooling = false }.ToString();

    private static BackupException Damaged(string what) => new($"备份归档已损坏：{what}。未做任何改动。");
}
