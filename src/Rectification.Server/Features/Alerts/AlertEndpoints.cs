using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Alerts;

/// <summary>An alert as a user's inbox shows it.</summary>
public sealed record AlertView(long Id, int CaseId, int? ItemId, string Kind, int Level, DateTimeOffset DueAt, DateTimeOffset RaisedAt, bool Late,
    string Message, bool Acknowledged);

/// <summary>Each user's inbox of alerts addressed to their role at their org unit, and acknowledging them.</summary>
public static class AlertEndpoints
{
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration) => services
        .AddSingleton(AlertOptions.From(configuration.GetSection(AlertOptions.Section)))
        .AddSingleton<RaiseAlerts>();

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        group.MapGet("/", async (string? kind, bool? acknowledged, int? caseId, int? page, int? pageSize, HttpContext http, AppDbContext db, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                AlertKind? wanted = kind switch
                {
                    null => null,
                    "reminder" => AlertKind.Reminder,
                    "overdue" => AlertKind.Overdue,
                    "escalation" => AlertKind.Escalation,
                    _ => (AlertKind)(-1),
                };
                if (wanted == (AlertKind)(-1))
                {
                    return Problem.Invalid("kind", "One of reminder, overdue, escalation.").ToProblemResult();
                }

                var (number, size) = (page ?? 1, pageSize ?? 50);
                if (number is < 1 or > 1_000_000 || size is < 1 or > 200)
                {
                    return Problem.Invalid(number is < 1 or > 1_000_000 ? "page" : "pageSize", "page 1 to 1000000, pageSize 1 to 200.").ToProblemResult();
                }

                var roles = user.Roles.Append("*").ToList();
                var alerts = db.Set<Alert>().AsNoTracking().Where(a => a.TargetOrgUnitId == user.OrgUnitId && roles.Contains(a.TargetRole));
                if (wanted is { } k)
                {
                    alerts = alerts.Where(a => a.Kind == k);
                }

                if (caseId is { } id)
                {
                    alerts = alerts.Where(a => a.CaseId == id);
                }

                var acks = db.Set<AlertAcknowledgement>().Where(x => x.UserId == user.Id).Select(x => x.AlertId);
                if (acknowledged is { } ack)
                {
                    alerts = ack ? alerts.Where(a => acks.Contains(a.Id)) : alerts.Where(a => !acks.Contains(a.Id));
                }

                var rows = await alerts.OrderByDescending(a => a.Id).Skip((number - 1) * size).Take(size)
                    .Select(a => new { Alert = a, Acknowledged = acks.Contains(a.Id) }).ToListAsync(ct);
                return TypedResults.Ok(rows.Select(r => new AlertView(r.Alert.Id, r.Alert.CaseId, r.Alert.LedgerItemId, r.Alert.Kind.ToString().ToLowerInvariant(),
                    r.Alert.Level, ShanghaiTime.ToLocal(r.Alert.DueAt), ShanghaiTime.ToLocal(r.Alert.RaisedAt), r.Alert.Late, r.Alert.Message, r.Acknowledged)).ToList());
            })
            .WithSummary("The caller's alerts, newest first; filters kind, acknowledged, caseId; paged.")
            .Produces<IReadOnlyList<AlertView>>()
            .ProducesValidationProblem();
        group.MapPost("/{id:long}/ack", async (long id, HttpContext http, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                var roles = user.Roles.Append("*").ToList();
                if (!await db.Set<Alert>().AnyAsync(a => a.Id == id && a.TargetOrgUnitId == user.OrgUnitId && roles.Contains(a.TargetRole), ct))
                {
                    return Problem.NotFound($"No alert {id}.").ToProblemResult();
                }

                if (!await db.Set<AlertAcknowledgement>().AnyAsync(x => x.AlertId == id && x.UserId == user.Id, ct))
                {
                    db.Add(new AlertAcknowledgement { AlertId = id, UserId = user.Id, At = clock.GetUtcNow() });
                    await db.SaveChangesAsync(ct);
                }

                return TypedResults.NoContent();
            })
            .WithSummary("Acknowledge an alert of the caller's inbox (idempotent).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
