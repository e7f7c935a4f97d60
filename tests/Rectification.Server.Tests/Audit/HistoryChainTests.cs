using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Data;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Audit;

/// <summary>The tamper-evident history: each entry's hash chains onto the previous one of its case, and
/// <c>GET /api/v1/audit/verify</c> names every case whose history was changed in the database behind the service's back.</summary>
public sealed class HistoryChainTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Verify_OfHistoryWrittenByTheService_IsIntact_ForCountyAdminAndCityViewer()
    {
        using var app = new ReopenedApp(_directory);
        using var admin = await app.ClientForAsync("county-admin");
        var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        await admin.RecordAcceptanceAsync(accepting.Id(), 0.85m, satisfied: 30, dissatisfied: 2);
        await admin.ActOkAsync(accepting.Id(), "pass", new { comment = "验收合格" });

        var report = await (await admin.GetAsync("/api/v1/audit/verify")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(report.GetProperty("intact").GetBoolean(), report.ToString());
        Assert.Equal(7, report.GetProperty("cases").GetInt32());
        Assert.True(report.GetProperty("entries").GetInt64() > 7);
        Assert.Empty(report.GetProperty("broken").EnumerateArray());

        using var city = await app.ClientForAsync("city-viewer");
        Assert.True((await (await city.GetAsync("/api/v1/audit/verify")).ExpectAsync(HttpStatusCode.OK)).GetProperty("intact").GetBoolean());
        foreach (var user in new[] { "township-secretary", "inspector", "first-secretary" })
        {
            using var other = await app.ClientForAsync(user);
            await (await other.GetAsync("/api/v1/audit/verify")).ExpectAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Verify_AfterEntriesWereEditedOrDeletedInTheDatabase_NamesExactlyThoseCases()
    {
        using var app = new ReopenedApp(_directory);
        var edited = await app.CaseIdAsync("孟家村");
        var truncated = await app.CaseIdAsync("东兴村");
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await TamperAsync(db,
                $"UPDATE \"CaseEvents\" SET \"Comment\" = '已整改' WHERE \"CaseId\" = {edited} AND \"Seq\" = 1",
                $"DELETE FROM \"CaseEvents\" WHERE \"CaseId\" = {truncated} AND \"Seq\" = (SELECT max(\"Seq\") FROM \"CaseEvents\" WHERE \"CaseId\" = {truncated})");
        }

        using var admin = await app.ClientForAsync("county-admin");
        var report = await (await admin.GetAsync("/api/v1/audit/verify")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(report.GetProperty("intact").GetBoolean());
        var broken = report.GetProperty("broken").EnumerateArray().ToDictionary(b => b.GetProperty("caseId").GetInt32());
        Assert.Equal([edited, truncated], broken.Keys.Order());
        Assert.Equal("edited", broken[edited].GetProperty("problem").GetString());
        Assert.Equal(1, broken[edited].GetProperty("seq").GetInt32());
        Assert.Equal("孟家村", broken[edited].GetProperty("village").GetString());
        Assert.Equal("missing", broken[truncated].GetProperty("problem").GetString());
        Assert.False(string.IsNullOrEmpty(broken[truncated].GetProperty("description").GetString()));

        // A township secretary's view of the same case still reads; the check is for the offices that decide on it.
        using var township = await app.ClientForAsync("township-secretary");
        await (await township.GetAsync($"/api/v1/cases/{edited}/history")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task History_WrittenBeforeChaining_IsSealedOnStart_AndThenVerifies()
    {
        using (var first = new ReopenedApp(_directory))
        {
            using var scope = first.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            // As an upgraded database looks: entries and cases without hashes.
            await TamperAsync(db, "UPDATE \"CaseEvents\" SET \"Hash\" = NULL", "UPDATE \"Cases\" SET \"HistoryHash\" = NULL");
            Assert.False(await db.CaseEvents.AnyAsync(e => e.Hash != null));
        }

        using var second = new ReopenedApp(_directory);
        using (var scope = second.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Assert.False(await db.CaseEvents.AnyAsync(e => e.Hash == null));
        }

        // New entries chain onto the sealed heads.
        using var admin = await second.ClientForAsync("county-admin");
        var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        await admin.RecordAcceptanceAsync(accepting.Id(), 0.85m, satisfied: 30, dissatisfied: 2);
        await admin.ActOkAsync(accepting.Id(), "pass", new { comment = "验收合格" });
        var report = await (await admin.GetAsync("/api/v1/audit/verify")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(report.GetProperty("intact").GetBoolean(), report.ToString());
    }

    public void Dispose()
    {
        RectificationApp.DropPostgresDatabase("rect_" + Path.GetFileName(_directory));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    /// <summary>What someone with the database file and a SQL tool could do: switch off the append-only triggers and
    /// change history directly.</summary>
    private static async Task TamperAsync(AppDbContext db, params string[] statements)
    {
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER CaseEvents_no_update; DROP TRIGGER CaseEvents_no_delete;");
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"CaseEvents\" DISABLE TRIGGER \"CaseEvents_no_change\"");
        }

        foreach (var statement in statements)
        {
            Assert.True(await db.Database.ExecuteSqlRawAsync(statement) > 0, statement);
        }
    }

    private sealed class ReopenedApp(string directory) : RectificationApp(directory, Start);
}
