using System.Diagnostics.CodeAnalysis;

namespace Rectification.Server.Infrastructure;

/// <summary>A failure a use case reports to its caller, shaped like an RFC 9457 problem: the status, a title,
/// a detail naming what was wrong, field errors and extra members (e.g. the unmet guards).</summary>
public sealed record Problem(
    int Status,
    string Title,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static Problem NotFound(string what) => new(StatusCodes.Status404NotFound, "Not found", what);

    public static Problem Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static Problem Conflict(string detail) => new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static Problem Invalid(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Adds an error for <paramref name="field"/> unless it holds text of at most <paramref name="max"/> characters.</summary>
    public static void RequireText(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > max)
        {
            errors[field] = [$"Required, at most {max} characters."];
        }
    }

    public static Problem Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "The request is invalid", string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), errors);
}

/// <summary>Either the value a use case produced or the problem that stopped it.</summary>
public readonly struct Result<T>
{
    internal Result(T? value, Problem? problem)
    {
        Value = value;
        Problem = problem;
    }

    public T? Value { get; }

    public Problem? Problem { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool Succeeded => Problem is null;

    public static implicit operator Result<T>(T value) => new(value, null);


    public static implicit operator Result<T>(Problem problem) => new(default, problem);

    /// <summary>The value, for callers such as the demo seed that treat a failure as a bug.</summary>
    public T Unwrap() => Succeeded ? Value : throw new InvalidOperationException($"{Problem.Title}: {Problem.Detail}");
}

/// <summary>Makes results of values C# does not convert implicitly (interfaces such as IQueryable).</summary>
public static class ResultOf
{
    public static Result<T> Value<T>(T value) => new(value, null);
}

/// <summary>Turns use-case results into HTTP answers.</summary>
public static class ResultHttpExtensions
{
    public static IResult ToProblemResult(this Problem problem)
    {
        var extensions = new Dictionary<string, object?>(problem.Extensions ?? new Dictionary<string, object?>());
        if (problem.Errors is not null && problem.Status == StatusCodes.Status400BadRequest)
        {
            return TypedResults.ValidationProblem(problem.Errors, problem.Detail, title: problem.Title, extensions: extensions);
        }

        // A refusal other than 400 may still name its field (a body too large, a charset not read): ValidationProblem would make it a 400.
        if (problem.Errors is not null)
        {
            var details = new HttpValidationProblemDetails(problem.Errors) { Status = problem.Status, Title = problem.Title, Detail = problem.Detail };
            foreach (var (key, value) in extensions)
            {
                details.Extensions[key] = value;
            }

            return TypedResults.Problem(details);
        }

        return TypedResults.Problem(problem.Detail, statusCode: problem.Status, title: problem.Title, extensions: extensions);
    }

    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult> onSuccess) =>
        result.Succeeded ? onSuccess(result.Value) : result.Problem.ToProblemResult();
}
