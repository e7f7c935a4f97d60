using System.Text;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Features.Workflows;

/// <summary>Reads an uploaded flow file from a request body: at most <see cref="FlowReader.MaxBytes"/>, strictly UTF-8.
/// Oversized bodies are refused before they are read whole.</summary>
public static class FlowUpload
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<Result<string>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > FlowReader.MaxBytes)
        {
            return TooLarge();
        }

        var buffer = new byte[FlowReader.MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > FlowReader.MaxBytes)
        {
            return TooLarge();
        }

        if (length == 0)
        {
            return Problem.Invalid("body", "Send the flow as YAML in the request body.");
        }

        var bytes = buffer.AsSpan(0, length);
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            return Problem.Invalid("body", $"The file is not UTF-8 (invalid bytes at offset {ex.Index}); save it as UTF-8 and upload again.");
        }
    }

    private static Problem TooLarge() => new(StatusCodes.Status413PayloadTooLarge, "Too large",
        $"A flow file is at most {FlowReader.MaxBytes / 1024} KB.");
}
