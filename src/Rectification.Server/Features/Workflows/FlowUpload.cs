using System.Text;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Features.Workflows;

/// <summary>Reads an uploaded flow file from a request body: at most <see cref="FlowReader.MaxBytes"/>, strictly UTF-8,
/// without NUL characters (a draft is stored as it was sent). Oversized bodies are refused before they are read whole.</summary>
public static class FlowUpload
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Task<Result<string>> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request.Body, request.ContentLength, cancellationToken);

    /// <summary>Reads a flow file from any stream (a request body, a file of a form) whose length may be announced.</summary>
    public static async Task<Result<string>> ReadAsync(Stream body, long? length, CancellationToken cancellationToken)
    {
        if (length > FlowReader.MaxBytes)
        {
            return TooLarge();
        }

        var buffer = new byte[FlowReader.MaxBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        if (total > FlowReader.MaxBytes)
        {
            return TooLarge();
        }

        if (total == 0)
        {
            return Problem.Invalid("body", "Send the flow as YAML in the request body.");
        }

        var bytes = buffer.AsSpan(0, total);
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }

        try
        {
            var text = StrictUtf8.GetString(bytes);
            var nul = text.IndexOf('\0', StringComparison.Ordinal);
            return nul < 0 ? text
                : Problem.Invalid("body", $"The file contains a NUL character at line {text.AsSpan(0, nul).Count('\n') + 1}; {NulText.Message}");
        }
        catch (DecoderFallbackException ex)
        {
            return Problem.Invalid("body", $"The file is not UTF-8 (invalid bytes at offset {ex.Index}); save it as UTF-8 and upload again.");
        }
    }

    private static Problem TooLarge() => new(StatusCodes.Status413PayloadTooLarge, "Too large",
        $"A flow file is at most {FlowReader.MaxBytes / 1024} KB.");
}
