using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rectification.Server.Infrastructure;

/// <summary>Text with a NUL character (U+0000) is refused wherever it comes in. PostgreSQL cannot store it, nor take it
/// as a query parameter ("invalid byte sequence for encoding UTF8: 0x00", a 500), and no person types one: on either
/// database it is a malformed request, answered as such.</summary>
public static class NulText
{
    public const string Message = "Text may not contain the NUL character (U+0000).";

    public static bool In(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    /// <summary>Every string of a JSON body: a NUL is a JsonException, which the exception handler answers with a 400
    /// naming the member's path.</summary>
    public sealed class JsonConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return In(text) ? throw new JsonException(Message) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
