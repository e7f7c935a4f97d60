using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Workflows;

/// <summary>A flow's history: versions loaded from files, publishes with their diff, and migrations of cases.</summary>
public static class GetFlowHistory
{
    public sealed record Entry(DateTimeOffset At, string Actor, string Kind, string Subject, JsonElement Detail);

    public static async Task<IReadOnlyList<Entry>> HandleAsync(AppDbContext db, CurrentUser user, string key, CancellationToken cancellationToken)
    {
        var prefix = $"workflow/{key}";
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.Subject == prefix || e.Subject.StartsWith(prefix + "/"))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return events
            .Select(e => new Entry(ShanghaiTime.ToLocal(e.At), e.ActorName, e.Kind, e.Subject,
                e.Detail is null ? default : JsonSerializer.Deserialize<JsonElement>(e.Detail)))
            .Where(e => e.Detail.ValueKind != JsonValueKind.Object || !e.Detail.TryGetProperty("scopeId", out var scope) || FlowScope.CanSee(user, scope.GetInt32()))
            .ToList();
    }
}
