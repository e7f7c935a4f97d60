using System.Globalization;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Cases;

/// <summary>Reads the case version a client sends back in If-Match (the ETag it got from GET).</summary>
public static class Preconditions
{
    /// <summary>The expected version, null when the header is absent, or a problem when it is unreadable.</summary>
    public static Result<int?> ExpectedVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return (int?)null;
        }

        var text = header.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        return int.TryParse(text.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : Problem.Invalid("If-Match", "Send the ETag from GET /api/v1/cases/{id}, e.g. \"3\".");
    }

    /// <summary>What refuses a change before any rule is looked at: no If-Match, a stale one, or an overlong comment.</summary>
    public static Problem? Check(int? expected, int current, string? comment) =>
        expected is null ? Required()
        : expected != current ? Stale(current)
        : comment is { Length: > MaxCommentLength } ? Problem.Invalid("comment", $"At most {MaxCommentLength} characters.")
        : null;

    /// <summary>Matches the history's comment column.</summary>
    public const int MaxCommentLength = 2000;

    public static Problem Stale(int current) => new(StatusCodes.Status409Conflict, "Conflict",
        $"The case has changed since you loaded it (it is now at version {current}); reload it and try again.",
        Extensions: new Dictionary<string, object?> { ["currentVersion"] = current });

    public static Problem Required() => new(StatusCodes.Status428PreconditionRequired, "Precondition required",
        "Send If-Match with the case's ETag from GET /api/v1/cases/{id}, so a change made meanwhile is not overwritten.");
}
