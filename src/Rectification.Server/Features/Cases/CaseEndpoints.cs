using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Guards;

namespace Rectification.Server.Features.Cases;

/// <summary>Cases: propose, list, read, act, sign checklist items, and read history.</summary>
public static class CaseEndpoints
{
    public static IServiceCollection AddCases(this IServiceCollection services) => services
        .AddScoped<CaseStore>()
        .AddScoped<CaseTransitions>()
        .AddScoped<CaseViews>()
        .AddScoped<ProposeCase.Handler>()
        .AddScoped<ListCases.Handler>()
        .AddScoped<TakeAction.Handler>()
        .AddScoped<SignChecklistItem.Handler>()
        .AddScoped<GetHistory.Handler>()
        .AddScoped<SuspendCase.Handler>()
        .AddScoped<RecomputeDeadlines>();

    public static IEndpointRouteBuilder MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/cases").WithTags("Cases");

        group.MapPost("/", async (ProposeCase.Request request, HttpContext http, ProposeCase.Handler handler, CaseViews views, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                var result = await handler.HandleAsync(user, request, ct);
                return result.Succeeded
                    ? await Detail(http, views, user, result.Value, ct, created: true)
                    : result.Problem.ToProblemResult();
            })
            .RequireAuthorization(p => p.RequireRole(Roles.TownshipSecretary, Roles.Inspector, Roles.CountyAdmin))
            .WithSummary("Propose a branch for the list; the case starts in the flow's first stage (proposed).")
            .Produces<CaseDetail>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/", async ([AsParameters] ListCases.Query query, HttpContext http, ListCases.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), query, ct)).ToHttp(page => TypedResults.Ok(page)))
            .WithSummary("Cases in the caller's area; filters county, township, stage, year; paged (page, pageSize ≤ 100).")
            .Produces<ListCases.Page>()
            .ProducesValidationProblem();

        group.MapGet("/{id:int}", async (int id, HttpContext http, CaseStore store, CaseViews views, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                var @case = await store.FindAsync(user, id, ct);
                return @case is null
                    ? Problem.NotFound($"No case {id}.").ToProblemResult()
                    : await Detail(http, views, user, @case, ct);
            })
            .WithSummary("One case: stage, deadline, checklist and the actions the caller may take now. The ETag is its version.")
            .Produces<CaseDetail>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:int}/actions/{action}", async (int id, string action, HttpContext http,
                TakeAction.Handler handler, CaseViews views, CancellationToken ct, TakeAction.Request? request = null) =>
            {
                var expected = Preconditions.ExpectedVersion(http.Request);
                if (!expected.Succeeded)
                {
                    return expected.Problem.ToProblemResult();
                }

                var user = http.GetCurrentUser();
                var result = await handler.HandleAsync(user, id, action, expected.Value, request ?? new TakeAction.Request(null, null), ct);
                return result.Succeeded ? await Detail(http, views, user, result.Value.Case, ct, facts: result.Value.Facts) : result.Problem.ToProblemResult();
            })
            .WithSummary("Take an action of the current stage. Requires If-Match with the case's ETag; 409 when stale, 422 listing unmet conditions.")
            .Produces<CaseDetail>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPost("/{id:int}/checklist/{item}/sign", async (int id, string item, HttpContext http, SignChecklistItem.Handler handler,
                CaseViews views, CancellationToken ct, SignChecklistItem.Request? request = null) =>
            {
                var expected = Preconditions.ExpectedVersion(http.Request);
                if (!expected.Succeeded)
                {
                    return expected.Problem.ToProblemResult();
                }

                var user = http.GetCurrentUser();
                var result = await handler.HandleAsync(user, id, item, expected.Value, request ?? new SignChecklistItem.Request(null), ct);
                return result.Succeeded ? await Detail(http, views, user, result.Value, ct) : result.Problem.ToProblemResult();
            })
            .WithSummary("Sign a checklist item of the current stage (by the role the item names). Requires If-Match with the case's ETag.")
            .Produces<CaseDetail>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPost("/{id:int}/suspend", (int id, HttpContext http, SuspendCase.Handler handler, CaseViews views, CancellationToken ct,
                SuspendCase.Request? request = null) =>
                Suspension(http, views, id, (user, expected) => handler.SuspendAsync(user, id, expected, request ?? new(null), ct), ct))
            .WithSummary("Suspend a case (county admin), e.g. during a village election: its clocks stop. Requires If-Match and a reason.")
            .Produces<CaseDetail>()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:int}/resume", (int id, HttpContext http, SuspendCase.Handler handler, CaseViews views, CancellationToken ct,
                SuspendCase.Request? request = null) =>
                Suspension(http, views, id, (user, expected) => handler.ResumeAsync(user, id, expected, request ?? new(null), ct), ct))
            .WithSummary("Resume a suspended case (county admin): its deadlines move on by the working days it was suspended. Requires If-Match.")
            .Produces<CaseDetail>()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/{id:int}/history", async (int id, HttpContext http, GetHistory.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), id, ct)).ToHttp(entries => TypedResults.Ok(entries)))
            .WithSummary("The case's history, oldest first.")
            .Produces<IReadOnlyList<GetHistory.Entry>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<IResult> Suspension(HttpContext http, CaseViews views, int id, Func<CurrentUser, int?, Task<Result<Case>>> change,
        CancellationToken ct)
    {
        var expected = Preconditions.ExpectedVersion(http.Request);
        if (!expected.Succeeded)
        {
            return expected.Problem.ToProblemResult();
        }

        var user = http.GetCurrentUser();
        var result = await change(user, expected.Value);
        return result.Succeeded ? await Detail(http, views, user, result.Value, ct) : result.Problem.ToProblemResult();
    }

    private static async Task<IResult> Detail(HttpContext http, CaseViews views, CurrentUser user, Case @case, CancellationToken ct, bool created = false,
        LedgerFacts? facts = null)
    {
        var detail = await views.DetailAsync(@case, user, ct, facts);
        http.Response.Headers.ETag = CaseViews.ETag(@case.Version);
        return created ? TypedResults.Created($"/api/v1/cases/{@case.Id}", detail) : TypedResults.Ok(detail);
    }
}
