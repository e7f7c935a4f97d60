using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Orgs;

/// <summary>The org tree: the caller's visible subtree, and new units for county admins.</summary>
public static class OrgEndpoints
{
    public static IServiceCollection AddOrgs(this IServiceCollection services) =>
        services.AddScoped<OrgDirectory>().AddScoped<AddOrgUnit.Handler>();

    public static IEndpointRouteBuilder MapOrgEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/orgs").WithTags("Orgs");
        group.MapGet("/", async (HttpContext http, OrgDirectory orgs, CancellationToken ct) =>
            {
                var units = await orgs.VisibleTo(http.GetCurrentUser()).OrderBy(o => o.Level).ThenBy(o => o.Code).ToListAsync(ct);
                return TypedResults.Ok(units.Select(OrgUnitDto.From).ToList());
            })
            .WithSummary("The caller's org unit and everything below it.");
        group.MapPost("/", async (AddOrgUnit.Request request, HttpContext http, AddOrgUnit.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), request, ct))
                .ToHttp(unit => TypedResults.Created($"/api/v1/orgs/{unit.Id}", unit)))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Add a township or village within the caller's county.")
            .Produces<OrgUnitDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
