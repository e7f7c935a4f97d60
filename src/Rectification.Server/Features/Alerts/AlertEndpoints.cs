using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Alerts;

/// <summary>An alert as a user's inbox shows it.</summary>
public sealed record AlertView(long Id, int CaseId, int? ItemId, string Kind, int Level, DateTimeOffset DueAt, DateTimeOffset RaisedAt, bool Late,
    string Message, bool Acknowledged);

/// <summary>Each user's inbox of alerts addressed to their role at their org unit, and acknowledging them.</summary>
public static class AlertEndpoints
{
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration) => services
        .AddSingleton(AlertOptions.From(configuration.GetSection(AlertOptions.Section)))
        .AddSingleton<RaiseAlerts>()
        .AddScoped<AlertInbox>();

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        group.MapGet("/", async (string? kind, bool? acknowledged, int? caseId, int? page, int? pageSize, HttpContext http, AlertInbox inbox,
                CancellationToken ct) =>
                (await inbox.ListAsync(http.GetCurrentUser(), kind, acknowledged, caseId, page, pageSize, ct)).ToHttp(alerts => TypedResults.Ok(alerts)))
            .WithSummary("The caller's alerts, newest first; filters kind, acknowledged, caseId; paged.")
            .Produces<IReadOnlyList<AlertView>>()
            .ProducesValidationProblem();
        group.MapPost("/{id:long}/ack", async (long id, HttpContext http, AlertInbox inbox, CancellationToken ct) =>
                (await inbox.AcknowledgeAsync(http.GetCurrentUser(), id, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Acknowledge an alert of the caller's inbox (idempotent).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
