using Rectification.Server.Features.Auth;
using Rectification.Workflow;

namespace Rectification.Server.Features.Audit;

/// <summary>The history's integrity check, for the offices that rest accountability decisions on it.</summary>
public static class AuditEndpoints
{
    public static IServiceCollection AddAudit(this IServiceCollection services) => services
        .AddScoped<SealHistory>()
        .AddScoped<VerifyHistory.Handler>();

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit/verify", async (HttpContext http, VerifyHistory.Handler handler, CancellationToken ct) =>
                TypedResults.Ok(await handler.HandleAsync(http.GetCurrentUser(), ct)))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin, Roles.CityViewer))
            .WithTags("Audit")
            .WithSummary("Recompute the hash chain of every case's history in the caller's area; lists the cases that no longer verify.")
            .Produces<VerifyHistory.Report>()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }
}
