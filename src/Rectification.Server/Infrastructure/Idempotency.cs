using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Cases;

namespace Rectification.Server.Infrastructure;

/// <summary>A request sent with an <c>Idempotency-Key</c> and the answer it got, kept a day so a retry gets the same
/// answer instead of doing the change again.</summary>
public sealed class IdempotentRequest
{
    public long Id { get; set; }

    public int UserId { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 of method, path, query and body: the same key with another request is refused, not replayed.</summary>
    public required string RequestHash { get; set; }

    public int Status { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public string? ETag { get; set; }

    public required byte[] Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Makes a change sent with an <c>Idempotency-Key</c> header happen at most once per user and key. The change and
/// the record of its answer commit in one transaction, so a retry after a lost answer (a dropped connection, a crash)
/// either finds the record and gets the first answer again, or finds nothing changed and does it now.</summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(24);
    private const int MaxKeyLength = 100;

    // Answers are kept whole; a larger one (an archive) is answered but not kept, so its retry does the request again.
    private const int MaxKeptBody = 1024 * 1024;

    public static WebApplication UseIdempotency(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (!http.Request.Headers.TryGetValue(Header, out var keys) || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                || !http.Request.Path.StartsWithSegments("/api") || http.User.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userClaim)
            {
                await next(http);
                return;
            }

            var key = keys.ToString();
            if (keys.Count != 1 || key.Length is 0 or > MaxKeyLength || key.Any(c => c < '!' || c > '~'))
            {
                await Problem.Invalid(Header, $"One key of 1 to {MaxKeyLength} visible ASCII characters, e.g. a UUID.").ToProblemResult().ExecuteAsync(http);
                return;
            }

            await HandleAsync(http, next, int.Parse(userClaim, System.Globalization.CultureInfo.InvariantCulture), key);
        });
        return app;
    }

    /// <summary>Forgets answers older than <see cref="KeptFor"/>; run by the periodic sweep.</summary>
    public static Task<int> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = now - KeptFor;
        return db.IdempotentRequests.Where(r => r.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
    }

    private static async Task HandleAsync(HttpContext http, RequestDelegate next, int userId, string key)
    {
        var services = http.RequestServices;
        var db = services.GetRequiredService<AppDbContext>();
        var requestHash = await HashRequestAsync(http.Request, http.RequestAborted);

        // On SQLite the whole request holds the write gate: its change and its record are one transaction, and another
        // writer meeting that open transaction would be refused as busy rather than wait in turn.
        await db.InWriteTurnAsync(RunAsync, http.RequestAborted);

        async Task RunAsync()
        {
            if (await FindAsync(db, userId, key) is { } earlier)
            {
                await ReplayAsync(http, earlier, requestHash);
                return;
            }

            var original = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await using (var transaction = await db.Database.BeginTransactionAsync(http.RequestAborted))
                {
                    try
                    {
                        await next(http);
                    }
                    catch (Exception)
                    {
                        await transaction.RollbackAsync(CancellationToken.None);
                        if (await FindAsync(db, userId, key) is not { } racer)
                        {
                            throw;
                        }

                        // The same key, sent twice at once: the other one committed first, so this one answers as it did.
                        http.Response.Body = original;
                        http.Response.Clear();
                        await ReplayAsync(http, racer, requestHash);
                        return;
                    }

                    if (http.Response.StatusCode is < 200 or >= 300)
                    {
                        // A refusal changes nothing, whatever the handler wrote before it refused, and is not kept: doing it
                        // again is harmless and may now succeed.
                        await transaction.RollbackAsync(CancellationToken.None);
                        if (await FindAsync(db, userId, key) is { } racer)
                        {
                            // Refused because the same request, sent at the same time, got there first: answer as it did.
                            http.Response.Body = original;
                            http.Response.Clear();
                            await ReplayAsync(http, racer, requestHash);
                            return;
                        }
                    }
                    else if (buffer.Length <= MaxKeptBody)
                    {
                        db.IdempotentRequests.Add(new IdempotentRequest
                        {
                            UserId = userId,
                            Key = key,
                            RequestHash = requestHash,
                            Status = http.Response.StatusCode,
                            ContentType = http.Response.ContentType,
                            Location = http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                            ETag = http.Response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
                            Body = buffer.ToArray(),
                            CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow(),
                        });
                        try
                        {
                            await db.SaveChangesAsync(http.RequestAborted);
                        }
                        catch (DbUpdateException lost) when (ProblemExceptionHandler.IsLostRace(lost))
                        {
                            // Both did their change and the other recorded the key first (PostgreSQL, where requests run side
                            // by side): this one's change is undone and it answers as the other did.
                            await transaction.RollbackAsync(CancellationToken.None);
                            http.Response.Body = original;
                            http.Response.Clear();
                            await ReplayAsync(http, (await FindAsync(db, userId, key))!, requestHash);
                            return;
                        }
                    }

                    if (http.Response.StatusCode is >= 200 and < 300)
                    {
                        await transaction.CommitAsync(http.RequestAborted);
                    }
                }

                if (http.Response.StatusCode is >= 200 and < 300)
                {
                    // Timers a change added inside this transaction exist only now that it committed.
                    await services.GetRequiredService<CaseStore>().ScheduleDeferredAsync();
                }
            }
            finally
            {
                http.Response.Body = original;
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original, http.RequestAborted);
        }
    }

    private static Task<IdempotentRequest?> FindAsync(AppDbContext db, int userId, string key) =>
        db.IdempotentRequests.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == key);

    private static async Task ReplayAsync(HttpContext http, IdempotentRequest earlier, string requestHash)
    {
        if (earlier.RequestHash != requestHash)
        {
            await new Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "Idempotency-Key: 这个键已用于另一个请求；重试请原样发送，新的请求请换一个新的键。")
                .ToProblemResult().ExecuteAsync(http);
            return;
        }

        http.Response.StatusCode = earlier.Status;
        http.Response.ContentType = earlier.ContentType;
        if (earlier.Location is not null)
        {
            http.Response.Headers.Location = earlier.Location;
        }

        if (earlier.ETag is not null)
        {
            http.Response.Headers.ETag = earlier.ETag;
        }

        http.Response.Headers[ReplayedHeader] = "true";
        await http.Response.Body.WriteAsync(earlier.Body, http.RequestAborted);
    }

    private static async Task<string> HashRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            sha.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
