using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Ledger;

/// <summary>A file attached to a ledger item as evidence (photos, PDFs, scans of minutes); the bytes live on disk
/// beside the database, named by id, never by what the uploader called them.</summary>
public sealed class EvidenceFile
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int LedgerItemId { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    public long Size { get; set; }

    public required string StoredName { get; set; }

    public required string Sha256 { get; set; }

    public required string UploadedByName { get; set; }

    public DateTimeOffset UploadedAt { get; set; }
}

/// <summary>Evidence as the API shows it.</summary>
public sealed record EvidenceView(int Id, int LedgerItemId, string FileName, string ContentType, long Size, string Sha256, string UploadedBy,
    DateTimeOffset UploadedAt, string Url);

/// <summary>Uploading and serving evidence: size- and type-checked by the file's own first bytes, served back only to
/// users who may see the case.</summary>
public static class Evidence
{
    /// <summary>Photos and scans from a phone fit easily; anything larger is refused before it is stored.</summary>
    public const long MaxBytes = 10 * 1024 * 1024;

    private static readonly (string ContentType, byte[] Magic)[] Types =
    [
        ("image/jpeg", [0xFF, 0xD8, 0xFF]),
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("application/pdf", "%PDF-"u8.ToArray()),
    ];

    public sealed class Handler(CaseStore store, CaseTransitions transitions, StorageOptions storage, TimeProvider clock)
    {
        public async Task<Result<EvidenceFile>> UploadAsync(CurrentUser actor, int itemId, string? fileName, Stream body, long? length,
            CancellationToken cancellationToken)
        {
            var item = await store.Db.LedgerItems.AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemId, cancellationToken);
            var @case = item is null ? null : await store.FindAsync(actor, item.CaseId, cancellationToken);
            if (item is null || @case is null)
            {
                return Problem.NotFound($"No ledger item {itemId}.");
            }

            if (actor.IsReadOnly || !(actor.Has(Roles.TownshipSecretary) || actor.Has(Roles.FirstSecretary)))
            {
                return Problem.Forbidden("Evidence is attached by the township side with its report.");
            }

            if (@case.EndedAt is not null)
            {
                return Problem.Conflict("The case is closed.");
            }

            // Format characters too: a right-to-left override shows "photo\u202Egnp.exe" as "photoexe.png" to whoever downloads it.
            if (string.IsNullOrWhiteSpace(fileName) || fileName.Length > 200
                || fileName.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format
                                     || c is '/' or '\\' or '"' or ':' or '*' or '?' or '<' or '>' or '|'))
            {
                return Problem.Invalid("fileName", "Name the file (at most 200 characters, no path).");
            }

            if (length > MaxBytes)
            {
                return TooLarge();
            }

            var directory = Path.Combine(storage.DataDirectory, "evidence", @case.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(directory);
            var storedName = Guid.NewGuid().ToString("N");
            var path = Path.Combine(directory, storedName);
            // Whatever goes wrong from here (a dropped connection, a refused type, a failed save), no file stays without its row.
            var saved = false;
            try
            {
                long size = 0;
                byte[] head = new byte[8];
                var headLength = 0;
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        size += read;
                        if (size > MaxBytes)
                        {
                            break;
                        }

                        var take = Math.Min(read, head.Length - headLength);
                        Array.Copy(buffer, 0, head, headLength, take);
                        headLength += take;
                        sha.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                }

                var type = Types.FirstOrDefault(t => headLength >= t.Magic.Length && head.AsSpan(0, t.Magic.Length).SequenceEqual(t.Magic)).ContentType;
                if (size > MaxBytes || size == 0 || type is null)
                {
                    return size > MaxBytes ? TooLarge()
                        : new Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported file", "Evidence is a JPEG or PNG photo or a PDF.");
                }

                var evidence = new EvidenceFile
                {
                    CaseId = @case.Id,
                    LedgerItemId = item.Id,
                    FileName = fileName.Trim(),
                    ContentType = type,
                    Size = size,
                    StoredName = storedName,
                    Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset()),
                    UploadedByName = actor.DisplayName,
                    UploadedAt = clock.GetUtcNow(),
                };
                store.Db.Add(evidence);
                transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "ledger", "evidence", $"#{item.Id} 上传证明材料：{evidence.FileName}");
                await store.SaveAsync(cancellationToken);
                saved = true;
                return evidence;
            }
            finally
            {
                if (!saved)
                {
                    File.Delete(path);
                }
            }
        }

        private static Problem TooLarge() => new(StatusCodes.Status413PayloadTooLarge, "Too large", $"Evidence files are at most {MaxBytes / 1024 / 1024} MB.");
    }

    public static EvidenceView View(EvidenceFile e) => new(e.Id, e.LedgerItemId, e.FileName, e.ContentType, e.Size, e.Sha256, e.UploadedByName,
        Rectification.Workflow.Time.ShanghaiTime.ToLocal(e.UploadedAt), $"/api/v1/evidence/{e.Id}");

    /// <summary>An evidence file and where its bytes are, when the user may see its case.</summary>
    public static async Task<Result<(EvidenceFile File, string Path)>> OpenAsync(CaseStore store, StorageOptions storage, CurrentUser user, int id,
        CancellationToken cancellationToken)
    {
        var evidence = await store.Db.Set<EvidenceFile>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (evidence is null || !await store.VisibleTo(user).AnyAsync(c => c.Id == evidence.CaseId, cancellationToken))
        {
            return Problem.NotFound($"No evidence {id}.");
        }

        return (evidence, PathOf(storage, evidence));
    }

    /// <summary>Where an evidence file's bytes are kept: by case, under a name of our own.</summary>
    public static string PathOf(StorageOptions storage, EvidenceFile evidence) =>
        Path.Combine(storage.DataDirectory, "evidence", evidence.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture), evidence.StoredName);

    public static IEndpointRouteBuilder MapEvidenceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/ledger/{item:int}/evidence", async (int item, string? fileName, HttpContext http, Handler handler, CancellationToken ct) =>
                (await handler.UploadAsync(http.GetCurrentUser(), item, fileName, http.Request.Body, http.Request.ContentLength, ct))
                .ToHttp(e => TypedResults.Created(View(e).Url, View(e))))
            .Accepts<byte[]>("image/jpeg", "image/png", "application/pdf", "application/octet-stream")
            .WithBodyLimit(MaxBytes)
            .WithTags("Ledger")
            .WithSummary("Attach evidence to a ledger item (township side): the file as the body, ?fileName= its name; JPEG, PNG or PDF, at most 10 MB.")
            .Produces<EvidenceView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/v1/ledger/{item:int}/evidence", async (int item, HttpContext http, CaseStore store, CancellationToken ct) =>
            {
                var caseId = await store.Db.LedgerItems.Where(i => i.Id == item).Select(i => (int?)i.CaseId).SingleOrDefaultAsync(ct);
                if (caseId is null || !await store.VisibleTo(http.GetCurrentUser()).AnyAsync(c => c.Id == caseId, ct))
                {
                    return Problem.NotFound($"No ledger item {item}.").ToProblemResult();
                }

                var files = await store.Db.Set<EvidenceFile>().AsNoTracking().Where(e => e.LedgerItemId == item).OrderBy(e => e.Id).ToListAsync(ct);
                return TypedResults.Ok(files.Select(View).ToList());
            })
            .WithTags("Ledger")
            .WithSummary("The evidence attached to a ledger item.")
            .Produces<IReadOnlyList<EvidenceView>>();
        app.MapGet("/api/v1/evidence/{id:int}", async (int id, HttpContext http, CaseStore store, StorageOptions storage, CancellationToken ct) =>
                (await OpenAsync(store, storage, http.GetCurrentUser(), id, ct)).ToHttp(found =>
                {
                    http.Response.Headers.XContentTypeOptions = "nosniff";
                    return TypedResults.PhysicalFile(found.Path, found.File.ContentType, found.File.FileName);
                }))
            .WithTags("Ledger")
            .WithSummary("Download evidence; only for users who may see its case.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
