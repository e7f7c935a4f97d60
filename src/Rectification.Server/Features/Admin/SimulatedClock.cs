using System.Xml;
using Quartz;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Timers;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Admin;

/// <summary>The system clock plus an offset that drills move forward (<c>Clock:Simulated=true</c>); never used otherwise.</summary>
public sealed class SimulatedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>Drills and tests on a running service: a county admin moves its clock forward and everything due fires as it
/// would in real time. Off by default; the endpoint does not exist (404) unless <c>Clock:Simulated</c> is true.</summary>
public static class SimulatedClock
{
    public sealed record Request(string? By);

    public sealed record Response(DateTimeOffset Now, string Offset);

    /// <summary>At most a year per call: a drill, not a time machine.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromDays(366);

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>("Clock:Simulated");

    public static IServiceCollection AddSimulatedClock(this IServiceCollection services, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            var clock = new SimulatedTimeProvider();
            services.AddSingleton(clock);
            services.AddSingleton<TimeProvider>(clock);
        }

        return services;
    }

    public static IEndpointRouteBuilder MapSimulatedClockEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/admin/clock/advance", async (Request request, HttpContext http, IServiceProvider services, CancellationToken ct) =>
            {
                if (services.GetService<SimulatedTimeProvider>() is not { } clock)
                {
                    return Problem.NotFound("The clock is not simulated here (Clock:Simulated is off).").ToProblemResult();
                }

                TimeSpan by;
                try
                {
                    by = XmlConvert.ToTimeSpan(request.By ?? "");
                }
                catch (FormatException)
                {
                    return Problem.Invalid("by", "An ISO 8601 duration such as P3D or PT6H.").ToProblemResult();
                }

                if (by <= TimeSpan.Zero || by > MaxStep)
                {
                    return Problem.Invalid("by", "Forward only, at most P366D.").ToProblemResult();
                }

                clock.Advance(by);
                var scheduler = await services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct);
                await scheduler.TriggerJob(DueTimersJob.Key, ct);
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Clock")
                    .LogWarning("Simulated clock advanced by {By} by {User}; now {Now}", by, http.GetCurrentUser().UserName, clock.GetUtcNow());
                return TypedResults.Ok(new Response(ShanghaiTime.ToLocal(clock.GetUtcNow()), XmlConvert.ToString(clock.Offset)));
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithTags("Admin")
            .WithSummary("Drills only (Clock:Simulated=true): move the service's clock forward by an ISO 8601 duration and run what fell due.")
            .Produces<Response>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
