using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rectification.Server.Data;
using Rectification.Server.Features.Backup;
using Rectification.Server.Infrastructure;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Backups made while the service runs, through the endpoint and the command, restored into fresh installs that
/// are then compared with the service as it was at the backup; damaged archives refused without touching the target.
/// On SQLite files, or on PostgreSQL (pg_dump / pg_restore) in the suite's second pass.</summary>
public sealed class BackupTests(RectificationApp app) : IClassFixture<RectificationApp>, IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];

    private static readonly byte[] Pdf = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"u8.ToArray();

    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rectification-tests", "backup-" + Guid.NewGuid().ToString("N"))).FullName;

    private readonly List<RestoredApp> _restored = [];

    [Fact]
    public async Task Backup_ThroughTheEndpointWhileServing_RestoresAFreshInstallToThatMoment_WithoutLaterChanges()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary-2");
        var proposed = await app.CaseIdAsync("旺起村");
        await admin.ActOkAsync(proposed, "confirm");
        var implementing = await app.CaseIdAsync("沿江村");
        var item = (await admin.LedgerItemsAsync(implementing))[0];
        await (await UploadAsync(secretary, item, Png, "现场照片.png")).ExpectAsync(HttpStatusCode.Created);
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "已整改到位，见现场照片" })).ExpectAsync(HttpStatusCode.OK);
        var before = await StateAsync(app);
        var filesAtBackup = (await (await admin.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK)).GetArrayLength();

        var response = await admin.PostAsync("/api/v1/admin/backup", null);
        await ExpectOkAsync(response);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rectification-20260302-090000.zip", response.Content.Headers.ContentDisposition?.FileNameStar);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var archive = Path.Combine(_folder, "endpoint.zip");
        await File.WriteAllBytesAsync(archive, bytes);

        // Changed after the backup: a new case, another file on the item. The restored install has neither.
        var later = (await admin.ProposeAsync(await app.OrgIdAsync("五家子村"), "1")).Id();
        await (await UploadAsync(secretary, item, Pdf, "补充说明.pdf")).ExpectAsync(HttpStatusCode.Created);

        // On the audit history: who, when, which archive, how large; its working files are gone.
        using (var scope = app.Services.CreateScope())
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var recorded = (await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEvents.AsNoTracking()
                .Where(a => a.Kind == "backup-made").ToListAsync()).Single(a => a.Detail!.Contains(sha256, StringComparison.Ordinal));
            Assert.Equal(("刘组织（丰满区委组织部）", "backup/rectification-20260302-090000.zip", RectificationApp.Start), (recorded.ActorName, recorded.Subject, recorded.At));
            Assert.Equal(bytes.Length, JsonDocument.Parse(recorded.Detail!).RootElement.GetProperty("Bytes").GetInt64());
        }

        Assert.Empty(Directory.GetDirectories(app.DataDirectory, ".backup-*"));

        var restored = await RestoreAsync(archive);
        Assert.Equal(before, await StateAsync(restored));
        using var restoredAdmin = await restored.ClientForAsync("county-admin");
        await (await restoredAdmin.GetAsync($"/api/v1/cases/{later}")).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal(filesAtBackup, (await (await restoredAdmin.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task BackupAndRestoreCommands_WhileTheServiceRuns_BringAFreshInstallToTheSameState()
    {
        var before = await StateAsync(app);
        var archive = Path.Combine(_folder, "command", "backup.zip");
        var (code, output) = await RunCommandAsync(app.DataDirectory, app.ConnectionString, "backup", "--out", archive);
        Assert.True(code == 0, output);
        Assert.Contains("备份完成", output, StringComparison.Ordinal);
        Assert.Equal(["backup.zip"], Directory.GetFiles(Path.GetDirectoryName(archive)!).Select(Path.GetFileName));

        var restored = new RestoredApp(NewDirectory(), app.Clock.GetUtcNow());
        _restored.Add(restored);
        (code, output) = await RunCommandAsync(restored.DataDirectory, restored.ConnectionString, "restore", "--from", archive);
        Assert.True(code == 0, output);
        Assert.Contains("恢复完成", output, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(restored));

        // Restoring again over an install in use is refused: without --force on SQLite, at all on PostgreSQL.
        (code, output) = await RunCommandAsync(restored.DataDirectory, restored.ConnectionString, "restore", "--from", archive);
        Assert.Equal(1, code);
        Assert.Contains(RectificationApp.Postgres is null ? "--force" : "已经有表", output, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(restored));
    }

    [Fact]
    public async Task Backup_WhileUploadsGoOn_HoldsExactlyTheFilesItsDatabaseNames()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary-2");
        var item = (await admin.LedgerItemsAsync(await app.CaseIdAsync("沿江村")))[0];
        // One after another (two uploads to one case at once would meet as a conflict), all while the backup runs.
        const int Uploads = 6;
        var uploading = Task.Run(async () =>
        {
            for (var i = 0; i < Uploads; i++)
            {
                await (await UploadAsync(secretary, item, [.. Png, (byte)i], $"备份时上传{i}.png")).ExpectAsync(HttpStatusCode.Created);
            }
        });
        var backup = admin.PostAsync("/api/v1/admin/backup", null);
        await Task.WhenAll(uploading, backup);
        await ExpectOkAsync(await backup);
        var archive = Path.Combine(_folder, "during-uploads.zip");
        await File.WriteAllBytesAsync(archive, await (await backup).Content.ReadAsByteArrayAsync());

        var restored = await RestoreAsync(archive);
        using var restoredAdmin = await restored.ClientForAsync("county-admin");
        var files = (await (await restoredAdmin.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        var now = (await (await admin.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK)).GetArrayLength();
        Assert.InRange(files.Count, now - Uploads, now);
        foreach (var file in files)
        {
            var content = await restoredAdmin.GetByteArrayAsync(file.GetProperty("url").GetString());
            Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(content)));
        }
    }

    [Theory]
    [InlineData("township-secretary")]
    [InlineData("inspector")]
    [InlineData("first-secretary")]
    [InlineData("city-viewer")]
    public async Task Backup_ByAnyoneButACountyAdmin_Returns403(string user)
    {
        using var client = await app.ClientForAsync(user);
        var problem = await (await client.PostAsync("/api/v1/admin/backup", null)).ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Contains("county-admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_DamagedOrForeignArchive_IsRefused_AndLeavesTheTargetAsItWas()
    {
        var good = Path.Combine(_folder, "good.zip");
        await using (var file = File.Create(good))
        {
            Assert.NotNull(await app.Services.GetRequiredService<BackupMaker>().TryWriteAsync(file, CancellationToken.None));
        }

        var database = RectificationApp.Postgres is null ? BackupArchive.SqliteEntry : BackupArchive.PostgresEntry;
        var altered = Copy(good, "altered.zip");
        using (var zip = ZipFile.Open(altered, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(database)!;
            byte[] content;
            using (var stream = entry.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                content = buffer.ToArray();
            }

            content[content.Length / 2] ^= 0xFF;
            entry.Delete();
            using var replaced = zip.CreateEntry(database).Open();
            replaced.Write(content);
        }

        var truncated = Copy(good, "truncated.zip");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(good))[..(int)(new FileInfo(good).Length / 2)]);
        var foreign = Path.Combine(_folder, "foreign.zip");
        using (var zip = ZipFile.Open(foreign, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open());
            await writer.WriteAsync("某单位的资料");
        }

        var refusals = new List<string>();
        foreach (var archive in new[] { altered, truncated, foreign })
        {
            // A fresh target stays empty (and on PostgreSQL its database is not even created)...
            var fresh = NewDirectory();
            refusals.Add((await Assert.ThrowsAsync<BackupException>(() => Restorer(fresh).RestoreAsync(archive, force: false, CancellationToken.None))).Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(fresh));
            Assert.False(await PostgresDatabaseExistsAsync(fresh));

            // ...and an install that --force would replace keeps every byte.
            var occupied = NewDirectory();
            var oldEvidence = Path.Combine(occupied, "evidence", "1", new string('a', 32));
            Directory.CreateDirectory(Path.GetDirectoryName(oldEvidence)!);
            await File.WriteAllTextAsync(oldEvidence, "旧的证明材料");
            await File.WriteAllTextAsync(Path.Combine(occupied, "rectification.db"), "旧的数据库");
            await Assert.ThrowsAsync<BackupException>(() => Restorer(occupied).RestoreAsync(archive, force: true, CancellationToken.None));
            Assert.Equal(["evidence", "rectification.db"], Directory.EnumerateFileSystemEntries(occupied).Select(Path.GetFileName).Order());
            Assert.Equal("旧的证明材料", await File.ReadAllTextAsync(oldEvidence));
            Assert.Equal("旧的数据库", await File.ReadAllTextAsync(Path.Combine(occupied, "rectification.db")));
        }

        Assert.Contains("已损坏", refusals[0], StringComparison.Ordinal);
        Assert.Contains("已损坏", refusals[1], StringComparison.Ordinal);
        Assert.Contains("不是本服务的备份", refusals[2], StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var restored in _restored)
        {
            restored.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    /// <summary>What the county admin sees of everything: org tree, accounts, cases with their history, the ledger and every
    /// evidence file's bytes (as hashes), as one text to compare.</summary>
    private static async Task<string> StateAsync(RectificationApp service)
    {
        using var admin = await service.ClientForAsync("county-admin");
        var state = new StringBuilder();
        async Task<JsonElement> GetAsync(string url)
        {
            var json = await (await admin.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            state.AppendLine(url).AppendLine(json.GetRawText());
            return json;
        }

        await GetAsync("/api/v1/orgs");
        await GetAsync("/api/v1/users");
        var cases = await GetAsync("/api/v1/cases?pageSize=100");
        foreach (var id in cases.GetProperty("items").EnumerateArray().Select(c => c.Id()).Order())
        {
            await GetAsync($"/api/v1/cases/{id}");
            await GetAsync($"/api/v1/cases/{id}/history");
        }

        var ledger = await GetAsync("/api/v1/ledger?pageSize=200");
        foreach (var item in ledger.GetProperty("items").EnumerateArray().Select(i => i.Id()).Order())
        {
            foreach (var file in (await GetAsync($"/api/v1/ledger/{item}/evidence")).EnumerateArray())
            {
                state.AppendLine(Convert.ToHexStringLower(SHA256.HashData(await admin.GetByteArrayAsync(file.GetProperty("url").GetString()))));
            }
        }

        return state.ToString();
    }

    private async Task<RestoredApp> RestoreAsync(string archive)
    {
        var restored = new RestoredApp(NewDirectory(), app.Clock.GetUtcNow());
        _restored.Add(restored);
        await Restorer(restored.DataDirectory).RestoreAsync(archive, force: false, CancellationToken.None);
        return restored;
    }

    private static BackupRestorer Restorer(string directory) => new(new StorageOptions
    {
        DataDirectory = directory,
        Provider = RectificationApp.Postgres is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres,
        ConnectionString = RectificationApp.Postgres is null ? $"Data Source={Path.Combine(directory, "rectification.db")}" : $"{RectificationApp.Postgres};Database={DatabaseOf(directory)}",
    }, TimeProvider.System);

    /// <summary>The database <see cref="RectificationApp"/> gives an app over <paramref name="directory"/>.</summary>
    private static string DatabaseOf(string directory) => "rect_" + Path.GetFileName(directory);

    private static async Task<bool> PostgresDatabaseExistsAsync(string directory)
    {
        if (RectificationApp.Postgres is null)
        {
            return false;
        }

        await using var connection = new NpgsqlConnection($"{RectificationApp.Postgres};Database=postgres");
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", DatabaseOf(directory));
        return await exists.ExecuteScalarAsync() is not null;
    }

    /// <summary>A new empty folder, named as <see cref="RectificationApp"/> names its own so its database name is valid.</summary>
    private string NewDirectory() => Directory.CreateDirectory(Path.Combine(_folder, Guid.NewGuid().ToString("N"))).FullName;

    private string Copy(string archive, string name)
    {
        var copy = Path.Combine(_folder, name);
        File.Copy(archive, copy);
        return copy;
    }

    private static async Task ExpectOkAsync(HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200 but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, int item, byte[] bytes, string name)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return client.PostAsync($"/api/v1/ledger/{item}/evidence?fileName={Uri.EscapeDataString(name)}", content);
    }

    /// <summary>Runs the service binary with a command, as an operator would, over the given data folder and database.</summary>
    private static async Task<(int Code, string Output)> RunCommandAsync(string dataDirectory, string connectionString, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Rectification.Server.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Database__Provider"] = RectificationApp.Postgres is null ? "Sqlite" : "Postgres";
        start.Environment["ConnectionStrings__Rectification"] = connectionString;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await error);
    }

    private sealed class RestoredApp(string directory, DateTimeOffset now) : RectificationApp(directory, now)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing && Postgres is not null)
            {
                using var connection = new NpgsqlConnection($"{Postgres};Database=postgres");
                connection.Open();
                using var drop = connection.CreateCommand();
                drop.CommandText = $"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)";
                drop.ExecuteNonQuery();
            }
        }
    }
}
