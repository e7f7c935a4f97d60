using Npgsql;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Backup;

/// <summary>The <c>backup</c> and <c>restore</c> commands, run in place of the service with its configuration (config/,
/// environment variables, and any other settings given on the command line).</summary>
public static class BackupCommand
{
    public const string Usage = """
        用法：
          Rectification.Server backup [--out 文件.zip]             服务运行时备份数据库和证明材料（默认写到 backups/ 下）
          Rectification.Server restore --from 文件.zip [--force]   把备份恢复到全新的安装（先停止服务）
        其余参数照常作为配置，例如 --Storage:DataDirectory /srv/rectification/data
        """;

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "backup" or "restore";

    /// <summary>Runs the command in <paramref name="args"/>; returns the exit code (0 done, 1 refused or failed, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? archive = null;
        var force = false;
        var settings = new List<string>();
        var backup = args[0] == "backup";
        var option = backup ? "--out" : "--from";
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h")
            {
                await output.WriteLineAsync(Usage);
                return 0;
            }

            if (args[i] == option && i + 1 < args.Length && archive is null)
            {
                archive = args[++i];
            }
            else if (args[i] == "--force" && !backup)
            {
                force = true;
            }
            else if (args[i] is "--out" or "--from" or "--force")
            {
                await error.WriteLineAsync(Usage);
                return 2;
            }
            else
            {
                settings.Add(args[i]);
            }
        }

        if (!backup && archive is null)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. settings]);
        builder.AddConfigDirectory().AddStorage();
        var storage = builder.Storage();
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var root = builder.Environment.ContentRootPath;
            return backup
                ? await BackupAsync(storage, archive is null ? null : Path.GetFullPath(archive, root), root, output, cancel.Token)
                : await RestoreAsync(storage, Path.GetFullPath(archive!, root), force, output, cancel.Token);
        }
        catch (BackupException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or NpgsqlException or IOException or UnauthorizedAccessException)
        {
            // The database or the disk said no (unreachable server, no space, no permission): its own words are the clearest.
            await error.WriteLineAsync($"{(backup ? "备份" : "恢复")}失败：{ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("已取消：没有留下写了一半的文件。");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> BackupAsync(StorageOptions storage, string? path, string root, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = TimeProvider.System;
        path ??= Path.Combine(root, "backups", $"rectification-{ShanghaiTime.ToLocal(clock.GetUtcNow()):yyyyMMdd-HHmmss}.zip");
        if (File.Exists(path))
        {
            throw new BackupException($"{path} 已经存在：不覆盖已有的备份。");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written under another name and renamed when complete: a file with the archive's name is always a whole archive.
        var partial = path + ".partial";
        using var maker = new BackupMaker(storage, clock);
        BackupManifest manifest;
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                manifest = (await maker.TryWriteAsync(file, cancellationToken))!;
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, path);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        await output.WriteLineAsync($"备份完成：{path}（{new FileInfo(path).Length} 字节；{Describe(manifest)}）。");
        return 0;
    }

    private static async Task<int> RestoreAsync(StorageOptions storage, string path, bool force, TextWriter output, CancellationToken cancellationToken)
    {
        var outcome = await new BackupRestorer(storage, TimeProvider.System).RestoreAsync(path, force, cancellationToken);
        var target = storage.Provider == DatabaseProvider.Postgres
            ? $"PostgreSQL 数据库 {new NpgsqlConnectionStringBuilder(storage.ConnectionString).Database}"
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(storage.ConnectionString).DataSource;
        await output.WriteLineAsync($"恢复完成：{ShanghaiTime.ToLocal(outcome.Manifest.CreatedAt):yyyy-MM-dd HH:mm:ss} 的备份（{Describe(outcome.Manifest)}）已恢复到 {target}，"
            + $"证明材料在 {Path.Combine(storage.DataDirectory, "evidence")}。");
        if (outcome.ReplacedFolder is not null)
        {
            await output.WriteLineAsync($"原有的数据库、证明材料和密钥已移到 {outcome.ReplacedFolder}。");
        }

        await output.WriteLineAsync("现在可以启动服务；登录令牌不随备份恢复，所有用户需要重新登录。");
        return 0;
    }

    private static string Describe(BackupManifest manifest) =>
        $"{manifest.Counts.GetValueOrDefault("cases")} 个案件，{manifest.Counts.GetValueOrDefault("caseEvents")} 条历史，"
        + $"{manifest.Files.Count - 1} 个证明材料文件；数据库结构 {manifest.Migration}";
}
