using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Ledger;

/// <summary>The plan of a case and the ledger: write the plan, list items, report, tick off, reopen.</summary>
public static class LedgerEndpoints
{
    public static IServiceCollection AddLedger(this IServiceCollection services) => services
        .AddScoped<CaseLedger>()
        .AddScoped<SavePlan.Handler>()
        .AddScoped<ListLedger.Handler>()
        .AddScoped<ChangeLedgerItem.Handler>()
        .AddScoped<RaiseFeedback.Handler>()
        .AddScoped<ExportLedger.Handler>()
        .AddScoped<Evidence.Handler>();

    public static IEndpointRouteBuilder MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/api/v1/cases/{id:int}/plan").WithTags("Plans");
        plans.MapGet("/", async (int id, HttpContext http, CaseStore store, CancellationToken ct) =>
            {
                if (!await store.VisibleTo(http.GetCurrentUser()).AnyAsync(c => c.Id == id, ct))
                {
                    return Problem.NotFound($"No case {id}.").ToProblemResult();
                }

                var plan = await store.Db.Plans.AsNoTracking().Include(p => p.Problems).ThenInclude(p => p.Measures).SingleOrDefaultAsync(p => p.CaseId == id, ct);
                return TypedResults.Ok(SavePlan.View(plan));
            })
            .WithSummary("The case's one-village-one-plan (一村一策); status none until one is written.")
            .Produces<PlanView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        plans.MapPut("/", async (int id, SavePlan.Request request, HttpContext http, SavePlan.Handler handler, CancellationToken ct) =>
            {
                var expected = Preconditions.ExpectedVersion(http.Request);
                if (!expected.Succeeded)
                {
                    return expected.Problem.ToProblemResult();
                }

                var result = await handler.HandleAsync(http.GetCurrentUser(), id, expected.Value, request, ct);
                return result.ToHttp(plan => TypedResults.Ok(SavePlan.View(plan)));
            })
            .WithSummary("Write the whole plan while the case is being planned (township secretary). Requires If-Match with the case's ETag.")
            .Produces<PlanView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

        app.MapPost("/api/v1/cases/{id:int}/feedback", async (int id, RaiseFeedback.Request request, HttpContext http, RaiseFeedback.Handler handler,
                AppDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var result = await handler.HandleAsync(http.GetCurrentUser(), id, request, ct);
                if (!result.Succeeded)
                {
                    return result.Problem.ToProblemResult();
                }

                var views = new List<LedgerItemView>();
                foreach (var item in result.Value)
                {
                    views.Add(await ViewAsync(item, db, clock, ct));
                }

                return TypedResults.Created($"/api/v1/ledger?village={result.Value[0].VillageId}", views);
            })
            .WithTags("Ledger")
            .WithSummary("An inspector raises a feedback form (反馈单) on a case: each problem becomes a ledger item.")
            .Produces<IReadOnlyList<LedgerItemView>>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        app.MapEvidenceEndpoints();
        var ledger = app.MapGroup("/api/v1/ledger").WithTags("Ledger");
        ledger.MapGet("/", async ([AsParameters] ListLedger.Query query, HttpContext http, ListLedger.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), query, ct)).ToHttp(page => TypedResults.Ok(page)))
            .WithSummary("The ledger of the caller's area; filters county, township, village, status, overdue, situation, responsible; sort; paged.")
            .Produces<ListLedger.Page>()
            .ProducesValidationProblem();
        ledger.MapGet("/export.xlsx", async ([AsParameters] ListLedger.Query query, HttpContext http, ExportLedger.Handler handler, TimeProvider clock,
                CancellationToken ct) =>
            {
                var file = await handler.HandleAsync(http.GetCurrentUser(), query, ct);
                var today = Rectification.Workflow.Time.ShanghaiTime.DateOf(clock.GetUtcNow());
                return file.ToHttp(stream => TypedResults.File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    $"台账-{today:yyyyMMdd}.xlsx"));
            })
            .WithSummary("The ledger as an Excel workbook with the list's filters: a summary sheet and one sheet per township.")
            .Produces(StatusCodes.Status200OK, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .ProducesValidationProblem();
        ledger.MapPost("/{item:int}/report", async (int item, ChangeLedgerItem.ReportRequest request, HttpContext http, ChangeLedgerItem.Handler handler,
                CancellationToken ct) =>
                (await handler.ReportAsync(http.GetCurrentUser(), item, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("The township side reports an open item done, with a note.")
            .Produces<LedgerItemView>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        ledger.MapPost("/{item:int}/tick", async (int item, ChangeLedgerItem.TickRequest request, HttpContext http, ChangeLedgerItem.Handler handler,
                CancellationToken ct) =>
                (await handler.TickAsync(http.GetCurrentUser(), item, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("An inspector ticks off (销号) a reported item, saying how it was verified (书记访谈/查看资料/实地走访/群众座谈).")
            .Produces<LedgerItemView>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        ledger.MapPost("/{item:int}/extensions", async (int item, ChangeLedgerItem.ExtensionRequest request, HttpContext http,
                ChangeLedgerItem.Handler handler, CancellationToken ct) =>
                (await handler.RequestExtensionAsync(http.GetCurrentUser(), item, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("The township side asks for a later deadline {deadline, reason}.")
            .Produces<LedgerItemView>()
            .ProducesValidationProblem();
        ledger.MapPost("/{item:int}/extensions/decision", async (int item, ChangeLedgerItem.ExtensionDecision request, HttpContext http,
                ChangeLedgerItem.Handler handler, CancellationToken ct) =>
                (await handler.DecideExtensionAsync(http.GetCurrentUser(), item, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("The county grants or refuses the pending extension {approve, comment}; a grant moves the deadline and counts.")
            .Produces<LedgerItemView>()
            .ProducesValidationProblem();
        ledger.MapPost("/{item:int}/reopen", async (int item, ChangeLedgerItem.ReopenRequest request, HttpContext http, ChangeLedgerItem.Handler handler,
                CancellationToken ct) =>
                (await handler.ReopenAsync(http.GetCurrentUser(), item, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("An inspector reopens a reported or closed item that is not really fixed, with the reason.")
            .Produces<LedgerItemView>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<LedgerItemView> ViewAsync(LedgerItem item, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var names = await db.OrgUnits.AsNoTracking().Where(o => o.Id == item.VillageId || o.Id == item.TownshipId).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        await db.Entry(item).Collection(i => i.Situations).LoadAsync(ct);
        return ListLedger.View(item, names[item.VillageId], names[item.TownshipId], clock.GetUtcNow());
    }
}
