using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Rectification.Server.Infrastructure;

/// <summary>The largest body an endpoint takes, as endpoint metadata (read by <see cref="RequestGuard"/> and, on
/// Kestrel, by the routing middleware itself).</summary>
public sealed record BodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;

/// <summary>Refuses what no endpoint should have to read: a body over the endpoint's size limit (413, before it is
/// read, also when it comes chunked without a length), a query value or form field with a NUL character (400), and a
/// JSON body in a charset that does not exist (415; the framework's reader would throw on it).</summary>
public static class RequestGuard
{
    /// <summary>Every request body unless its endpoint says otherwise: a JSON request is a few KB (a plan of many problems
    /// perhaps 100 KB), a page's form less.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>Sets the endpoint's body limit: for uploads, above <see cref="DefaultMaxBodyBytes"/>; for small bodies, below.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new BodyLimit(bytes));

    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var request = http.Request;
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } metadata ? metadata.MaxRequestBodySize : DefaultMaxBodyBytes;
        if (limit is { } max)
        {
            if (request.ContentLength > max)
            {
                await TooLarge(max).ExecuteAsync(http);
                return;
            }

            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
            {
                server.MaxRequestBodySize = max;
            }

            // The server's own limit is not there on every host (the test server has none): count what is read, too.
            if (request.ContentLength is not 0)
            {
                request.Body = new LimitedStream(request.Body, max);
            }
        }

        if (await NulIn(request) is { } field)
        {
            await Problem.Invalid(field, NulText.Message).ToProblemResult().ExecuteAsync(http);
            return;
        }

        if (UnknownJsonCharset(request.ContentType) is { } charset)
        {
            await new Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"The charset '{charset}' is not one this service reads.",
                new Dictionary<string, string[]> { ["Content-Type"] = ["Send JSON as UTF-8."] }).ToProblemResult().ExecuteAsync(http);
            return;
        }

        await next(http);
    });

    /// <summary>The query parameter or form field holding a NUL character (see <see cref="NulText"/>), if any. A form
    /// that cannot be read is left to the endpoint, which refuses it as before.</summary>
    private static async Task<string?> NulIn(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            if (NulText.In(key) || values.Any(NulText.In))
            {
                return key;
            }
        }

        if (!request.HasFormContentType)
        {
            return null;
        }

        try
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return form.FirstOrDefault(f => NulText.In(f.Key) || f.Value.Any(NulText.In)).Key
                   ?? form.Files.FirstOrDefault(f => NulText.In(f.FileName) || NulText.In(f.Name))?.Name;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException and not BadHttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The 413 problem for a body over <paramref name="max"/> bytes.</summary>
    public static IResult TooLarge(long max) => new Problem(StatusCodes.Status413PayloadTooLarge, "Too large", $"The request body is at most {Size(max)}.",
        new Dictionary<string, string[]> { ["body"] = [$"At most {Size(max)}."] }).ToProblemResult();

    private static string Size(long bytes) => bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / 1024 / 1024} MB" : $"{bytes / 1024} KB";

    private static string? UnknownJsonCharset(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var type) || type.Charset.Length == 0
            || !(type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var charset = type.Charset.Value!.Trim('"');
        try
        {
            _ = Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    /// <summary>A request body that refuses to give more than its limit: reading past it is a 413, as from Kestrel.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > limit
                ? throw new BadHttpRequestException($"The request body is at most {Size(limit)}.", StatusCodes.Status413PayloadTooLarge)
                : read;
        }
    }
}
