using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Channels;

/// <summary>Outbound channels: registration from <c>Channels</c> in config/, and their health for county admins.</summary>
public static class ChannelEndpoints
{
    /// <summary>A channel's state: what waits, and since when it has been failing.</summary>
    public sealed record ChannelStatus(string Name, string Kind, string County, int Pending, int Failing, DateTimeOffset? OldestPending, string? LastError);

    public static IServiceCollection AddChannels(this IServiceCollection services, IConfiguration configuration)
    {
        var channels = configuration.GetSection("Channels").Get<List<ChannelOptions>>() ?? [];
        var invalid = channels.FirstOrDefault(c => string.IsNullOrWhiteSpace(c.Name) || !Uri.TryCreate(c.Url, UriKind.Absolute, out _) || string.IsNullOrWhiteSpace(c.County));
        if (invalid is not null || channels.GroupBy(c => c.Name).Any(g => g.Count() > 1))
        {
            throw new InvalidOperationException("Channels: each needs a unique Name, an absolute Url and the County code it serves.");
        }

        services.AddHttpClient("channels", c => c.Timeout = TimeSpan.FromSeconds(10));
        return services.AddSingleton<IReadOnlyList<ChannelOptions>>(channels).AddSingleton<Outbox>();
    }

    public static IEndpointRouteBuilder MapChannelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/channels", async (HttpContext http, AppDbContext db, Outbox outbox, CancellationToken ct) =>
            {
                var user = Auth.CurrentUserBinding.GetCurrentUser(http);
                var code = await db.OrgUnits.Where(o => o.Id == user.CountyId).Select(o => o.Code).SingleOrDefaultAsync(ct);
                var mine = outbox.Channels.Where(c => user.CountyId is null || c.County == code).ToList();
                var names = mine.Select(c => c.Name).ToList();
                var pending = await db.Set<OutboxMessage>().AsNoTracking().Where(m => m.DeliveredAt == null && names.Contains(m.Channel))
                    .Select(m => new { m.Channel, m.Attempts, m.CreatedAt, m.LastError, m.Id }).ToListAsync(ct);
                return TypedResults.Ok(mine.Select(c =>
                {
                    var waiting = pending.Where(p => p.Channel == c.Name).OrderBy(p => p.Id).ToList();
                    return new ChannelStatus(c.Name, c.Kind.ToString().ToLowerInvariant(), c.County, waiting.Count, waiting.Count(w => w.Attempts > 0),
                        waiting.Count > 0 ? ShanghaiTime.ToLocal(waiting[0].CreatedAt) : null, waiting.LastOrDefault(w => w.LastError is not null)?.LastError);
                }).ToList());
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithTags("Channels")
            .WithSummary("The outbound channels of the caller's county: messages waiting, failing, and the last error.")
            .Produces<IReadOnlyList<ChannelStatus>>();
        return app;
    }
}
