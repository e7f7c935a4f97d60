using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Rectification.Server.Infrastructure;

/// <summary>Turns the exceptions a request can legitimately cause into clear 4xx problems, and anything else into a
/// 500 that tells the client nothing internal.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, errors) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (400, "Malformed JSON",
                $"The request body is not valid JSON for this endpoint at {json.Path ?? "$"} (line {json.LineNumber + 1}).",
                new Dictionary<string, string[]> { [json.Path ?? "$"] = [FirstLine(json.Message)] }),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message, null),
            DbUpdateConcurrencyException => (409, "Conflict", "The case was changed by someone else; reload it and try again.", null),
            // SQLITE_CONSTRAINT: a racing request wrote the same unique row first.
            DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 19 } } =>
                (409, "Conflict", "A conflicting change was saved first; reload and try again.", null),
            _ => (500, "Internal error", "An unexpected error occurred; it has been logged.", null),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
