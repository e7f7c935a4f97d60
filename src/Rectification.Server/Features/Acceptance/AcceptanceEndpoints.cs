using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Acceptance;

/// <summary>Where the acceptance score sheet is read from.</summary>
public sealed record AcceptanceOptions
{
    public const string Section = "Acceptance";

    /// <summary>The score sheet; relative paths are resolved against the application folder. Default: config/acceptance.yaml.</summary>
    public string Sheet { get; init; } = "config/acceptance.yaml";
}

/// <summary>Acceptance (验收): the score sheet, and recording a case's scores and democratic rating.</summary>
public static class AcceptanceEndpoints
{
    public static IServiceCollection AddAcceptance(this IServiceCollection services, IConfiguration configuration) => services
        .AddSingleton(_ =>
        {
            var options = configuration.GetSection(AcceptanceOptions.Section).Get<AcceptanceOptions>() ?? new AcceptanceOptions();
            var path = Path.GetFullPath(options.Sheet, HostingSetup.AppDirectory);
            return AcceptanceSheet.Parse(path, File.ReadAllText(path));
        })
        .AddScoped<RecordAcceptance.Handler>();

    public static IEndpointRouteBuilder MapAcceptanceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/cases/{id:int}/acceptance").WithTags("Acceptance");
        group.MapGet("/", async (int id, HttpContext http, CaseStore store, AcceptanceSheet sheet, CancellationToken ct) =>
            {
                var @case = await store.VisibleTo(http.GetCurrentUser()).AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);
                if (@case is null)
                {
                    return Problem.NotFound($"No case {id}.").ToProblemResult();
                }

                var record = await store.Db.Set<AcceptanceRecord>().AsNoTracking().Include(a => a.Scores)
                    .Where(a => a.CaseId == id).OrderByDescending(a => a.StageVisit).FirstOrDefaultAsync(ct);
                return TypedResults.Ok(RecordAcceptance.View(sheet, record));
            })
            .WithSummary("The score sheet and the latest acceptance recorded for the case, with its computed outcome.")
            .Produces<AcceptanceView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/", async (int id, RecordAcceptance.Request request, HttpContext http, RecordAcceptance.Handler handler, AcceptanceSheet sheet,
                CancellationToken ct) =>
            {
                var expected = Preconditions.ExpectedVersion(http.Request);
                if (!expected.Succeeded)
                {
                    return expected.Problem.ToProblemResult();
                }

                var result = await handler.HandleAsync(http.GetCurrentUser(), id, expected.Value, request, ct);
                return result.ToHttp(record => TypedResults.Ok(RecordAcceptance.View(sheet, record)));
            })
            .WithSummary("Record the acceptance in the acceptance stage (county admin): scores per sheet item and the democratic rating. Requires If-Match.")
            .Produces<AcceptanceView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);
        return app;
    }
}
