using System.ComponentModel;
using System.Diagnostics;
using Npgsql;

namespace Rectification.Server.Features.Backup;

/// <summary>Runs PostgreSQL's own pg_dump and pg_restore (from PATH) against the service's database: they know every
/// object a schema can hold, which no copy of ours would.</summary>
public static class PostgresTools
{
    /// <summary>Runs <paramref name="tool"/> connected as the connection string says (the password passed in the
    /// environment, never on the command line) and returns what it printed; a failure is a <see cref="BackupException"/>
    /// carrying the tool's own message.</summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> arguments, string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = connection.Host ?? "localhost";
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGDATABASE"] = connection.Database ?? "";
        start.Environment["PGUSER"] = connection.Username ?? "";
        start.Environment["PGAPPNAME"] = "rectification-backup";
        start.Environment["PGSSLMODE"] = connection.SslMode switch
        {
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            var mode => mode.ToString().ToLowerInvariant(),
        };
        if (connection.Password is { Length: > 0 } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BackupException($"{tool} 没有启动。");
        }
        catch (Win32Exception)
        {
            throw new BackupException($"找不到 {tool}：请安装 PostgreSQL 客户端（主版本不低于数据库服务器）并把它放进 PATH。");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                throw new BackupException($"{tool} 失败（退出码 {process.ExitCode}）：{(await error).Trim()}");
            }

            return await output;
        }
    }
}
