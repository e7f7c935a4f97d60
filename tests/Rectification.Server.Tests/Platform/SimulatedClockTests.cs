using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rectification.Server.Features.Timers;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Platform;

/// <summary>Drills: with Clock:Simulated a county admin moves the service's clock and what falls due fires.</summary>
public sealed class SimulatedClockTests : IDisposable
{
    private readonly DrillApp _app = new();

    [Fact]
    public async Task Advance_MovesTheClockAndRaisesWhatFellDue_ForCountyAdminsOnly()
    {
        using var secretary = await _app.ClientForAsync("township-secretary");
        await (await secretary.PostAsJsonAsync("/api/v1/admin/clock/advance", new { by = "P3D" })).ExpectAsync(HttpStatusCode.Forbidden);
        using var admin = await _app.ClientForAsync("county-admin");
        var bad = await (await admin.PostAsJsonAsync("/api/v1/admin/clock/advance", new { by = "three days" })).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("by", out _));
        await (await admin.PostAsJsonAsync("/api/v1/admin/clock/advance", new { by = "-P1D" })).ExpectAsync(HttpStatusCode.BadRequest);

        // Thirty days on, the demo's proposed case (10 working days to confirm) is overdue; the drill's sweep raises it.
        var moved = await (await admin.PostAsJsonAsync("/api/v1/admin/clock/advance", new { by = "P30D" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("P30D", moved.GetProperty("offset").GetString());

        // The advance started a sweep; a sweep still running from before it may finish first, so only one that started at
        // the new time is awaited.
        var advancedTo = _app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var sweep = _app.Services.GetRequiredService<Sweep>();
        var swept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sweep.Completed += outcome =>
        {
            if (outcome.StartedAt >= advancedTo)
            {
                swept.TrySetResult();
            }
        };
        await (await _app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).TriggerJob(DueTimersJob.Key);
        await swept.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _app.ForgetTokens();
        using var secretaryLater = await _app.ClientForAsync("township-secretary");
        var alerts = await (await secretaryLater.GetAsync("/api/v1/alerts?kind=overdue")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(0, alerts.GetArrayLength());
    }

    public void Dispose() => _app.Dispose();

    private sealed class DrillApp : RectificationApp
    {
        protected override bool UseFakeClock => false;

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Clock:Simulated"] = "true" };
    }
}
