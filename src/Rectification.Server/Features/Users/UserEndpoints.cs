using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Users;

/// <summary>Accounts within the caller's area: listed by county admins and city viewers, added by county admins.</summary>
public static class UserEndpoints
{
    public static IServiceCollection AddUsers(this IServiceCollection services) => services
        .AddScoped<AddUser.Handler>()
        .AddScoped<ChangePassword.Handler>();

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users").WithTags("Users");
        group.MapGet("/", async (HttpContext http, AppDbContext db, OrgDirectory orgs, CancellationToken ct) =>
            {
                var visible = orgs.VisibleTo(http.GetCurrentUser()).Select(o => o.Id);
                var users = await db.Users.AsNoTracking().Include(u => u.Roles)
                    .Where(u => visible.Contains(u.OrgUnitId)).OrderBy(u => u.UserName).ToListAsync(ct);
                return TypedResults.Ok(users.Select(AddUser.ToDto).ToList());
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin, Roles.CityViewer))
            .WithSummary("Accounts in the caller's area.");
        group.MapPost("/", async (AddUser.Request request, HttpContext http, AddUser.Handler handler, CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), request, ct))
                .ToHttp(user => TypedResults.Created($"/api/v1/users/{user.Id}", user)))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Add an account within the caller's county.")
            .Produces<UserDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:int}/password", async (int id, ChangePassword.ResetRequest request, HttpContext http, ChangePassword.Handler handler,
                CancellationToken ct) =>
                (await handler.ResetAsync(http.GetCurrentUser(), id, request, ct)).ToHttp(_ => TypedResults.NoContent()))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Set a new password for an account in the caller's area; its earlier tokens and sessions stop working.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/v1/me/password", async (ChangePassword.Request request, HttpContext http, ChangePassword.Handler handler, CancellationToken ct) =>
                (await handler.ChangeOwnAsync(http.GetCurrentUser(), request, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithTags("Users")
            .WithSummary("Change one's own password (the current one is required); every earlier token and session stops working.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem();
        return app;
    }
}
