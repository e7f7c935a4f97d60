using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Backup;

/// <summary>The backup as a download for the county admin: the same archive the <c>backup</c> command writes, made while
/// the service runs, recorded on the audit history.</summary>
public static class BackupEndpoints
{
    public static IServiceCollection AddBackup(this IServiceCollection services) => services.AddSingleton<BackupMaker>();

    public static IEndpointRouteBuilder MapBackupEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/admin/backup", async (HttpContext http, AppDbContext db, BackupMaker maker, StorageOptions storage, TimeProvider clock,
                ILogger<BackupMaker> logger, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                if (await OutsideAreaAsync(db, user, ct) is { } refused)
                {
                    return refused.ToProblemResult();
                }

                var name = $"rectification-{ShanghaiTime.ToLocal(clock.GetUtcNow()):yyyyMMdd-HHmmss}.zip";
                // Deleted by the system when closed: after the response is sent, or at once when anything fails before it.
                var archive = new FileStream(Path.Combine(storage.DataDirectory, $".download-{Guid.NewGuid():N}.zip"), FileMode.CreateNew, FileAccess.ReadWrite,
                    FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                try
                {
                    var manifest = await maker.TryWriteAsync(archive, ct);
                    if (manifest is null)
                    {
                        await archive.DisposeAsync();
                        return Problem.Conflict("另一个备份正在进行：请等它完成后再试。").ToProblemResult();
                    }

                    archive.Position = 0;
                    var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(archive, ct));
                    archive.Position = 0;
                    db.AuditEvents.Add(new AuditEvent
                    {
                        At = clock.GetUtcNow(),
                        ActorId = user.Id,
                        ActorName = user.DisplayName,
                        Kind = "backup-made",
                        Subject = $"backup/{name}",
                        Detail = JsonSerializer.Serialize(new
                        {
                            Archive = name, Bytes = archive.Length, Sha256 = sha256, manifest.Provider, manifest.Migration, manifest.Counts,
                            EvidenceFiles = manifest.Files.Count - 1,
                        }),
                    });
                    await db.SaveChangesAsync(ct);
                    logger.LogInformation("Backup {Archive} ({Bytes} bytes, SHA-256 {Sha256}) made by {User}", name, archive.Length, sha256, user.UserName);
                    return TypedResults.File(archive, "application/zip", name);
                }
                catch (BackupException ex)
                {
                    await archive.DisposeAsync();
                    logger.LogError("Backup by {User} failed: {Reason}", user.UserName, ex.Message);
                    return new Problem(StatusCodes.Status500InternalServerError, "Backup failed", ex.Message).ToProblemResult();
                }
                catch
                {
                    await archive.DisposeAsync();
                    throw;
                }
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithTags("Admin")
            .WithSummary("Back up the whole database and its evidence files as one zip, while the service runs (restore with the restore command); "
                + "only for a county admin whose area holds everything in the database.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>An archive holds the whole database, accounts and all: refused unless every org unit in it is within the
    /// caller's area or above it. A county admin of a county-only install may download it; where the database serves
    /// several counties, only an admin at the level above them.</summary>
    public static async Task<Problem?> OutsideAreaAsync(AppDbContext db, CurrentUser user, CancellationToken cancellationToken)
    {
        var unit = await db.OrgUnits.AsNoTracking().SingleAsync(o => o.Id == user.OrgUnitId, cancellationToken);
        var above = unit.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Where(id => id != unit.Id).ToList();
        var marker = $"/{unit.Id}/";
        var outside = await db.OrgUnits.AsNoTracking().Where(o => !o.Path.Contains(marker) && !above.Contains(o.Id))
            .OrderBy(o => o.Level).ThenBy(o => o.Code).Select(o => o.Name).ToListAsync(cancellationToken);
        return outside.Count == 0
            ? null
            : Problem.Forbidden($"备份包含数据库里的全部数据，其中 {outside.Count} 个单位不在你的管辖范围内（如 {string.Join("、", outside.Take(3))}）："
                + "只有管辖整个数据库的管理员（如市级组织部门的管理员）可以下载备份。");
    }
}
