using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Workflows;

namespace Rectification.Server.Infrastructure;

/// <summary>Turns the exceptions a request can legitimately cause into clear 4xx problems, and anything else into a
/// 500 that tells the client nothing internal.</summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, errors) = exception switch
        {
            // The serializer's own message names internal types; the path and line are what the client needs.
            BadHttpRequestException { InnerException: JsonException json } => (400, "Malformed JSON",
                $"The request body is not valid JSON for this endpoint at {json.Path ?? "$"} (line {json.LineNumber + 1}).",
                new Dictionary<string, string[]>
                {
                    [json.Path ?? "$"] = [json.Message.StartsWith(NulText.Message, StringComparison.Ordinal) ? NulText.Message
                        : "Not valid JSON here, or a value of the wrong type, or a member this endpoint does not take."],
                }),
            // A body over the endpoint's limit, found while reading it (sent without a length, or longer than announced).
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge => (413, "Too large", tooLarge.Message,
                new Dictionary<string, string[]> { ["body"] = [tooLarge.Message] }),
            // A query or route value of the wrong type: the framework's message names the C# parameter and its type.
            BadHttpRequestException bad when BindingFailure().Match(bad.Message) is { Success: true } failed => Unbindable(failed),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message, null),
            DbUpdateConcurrencyException => (409, "Conflict", "The case was changed by someone else; reload it and try again.", null),
            DbUpdateException { InnerException: SqliteException { SqliteExtendedErrorCode: SqliteUniqueViolation or SqlitePrimaryKeyViolation } } =>
                (409, "Conflict", "A conflicting change was saved first; reload and try again.", null),
            DbUpdateException { InnerException: Npgsql.PostgresException { SqlState: PostgresUniqueViolation } } =>
                (409, "Conflict", "A conflicting change was saved first; reload and try again.", null),
            DbUpdateException { InnerException: SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } } or SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } =>
                (503, "Busy", "The database is busy; try again in a moment.", null),
            DbUpdateException { InnerException: Npgsql.PostgresException { SqlState: PostgresSerializationFailure or PostgresDeadlock } }
                or Npgsql.PostgresException { SqlState: PostgresSerializationFailure or PostgresDeadlock } =>
                (503, "Busy", "The database is busy; try again in a moment.", null),
            FlowVersionUnavailableException unavailable => (503, "Flow unavailable", unavailable.Message, null),
            _ => (500, "Internal error", "An unexpected error occurred; it has been logged.", null),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        if (status == 503)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>Whether a save failed only because another change to the same rows was committed first (a stale version,
    /// or the history sequence number taken): the loser may read again and retry.</summary>
    public static bool IsLostRace(Exception exception) => exception is DbUpdateConcurrencyException
        or DbUpdateException { InnerException: SqliteException { SqliteExtendedErrorCode: SqliteUniqueViolation or SqlitePrimaryKeyViolation } }
        or DbUpdateException { InnerException: Npgsql.PostgresException { SqlState: PostgresUniqueViolation } };

    private static (int, string, string, Dictionary<string, string[]>) Unbindable(System.Text.RegularExpressions.Match failed)
    {
        var name = failed.Groups["name"].Value;
        var field = char.ToLowerInvariant(name[0]) + name[1..];
        var expected = failed.Groups["type"].Value switch
        {
            var t when t.Contains("int", StringComparison.Ordinal) || t.Contains("long", StringComparison.Ordinal) => "a whole number in range",
            var t when t.Contains("bool", StringComparison.Ordinal) => "true or false",
            _ => "a value of the right type",
        };
        var value = failed.Groups["value"].Value;
        return (400, "The request is invalid", $"{field}: '{(value.Length > 100 ? value[..100] + "…" : value)}' is not {expected}.",
            new Dictionary<string, string[]> { [field] = [$"Must be {expected}."] });
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]*) (?<name>[A-Za-z_][A-Za-z0-9_]*)\" from \"(?<value>.*)\"\\.$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BindingFailure();

    private const string PostgresUniqueViolation = "23505";
    private const string PostgresSerializationFailure = "40001";
    private const string PostgresDeadlock = "40P01";
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqlitePrimaryKeyViolation = 1555;
    private const int SqliteUniqueViolation = 2067;
}
