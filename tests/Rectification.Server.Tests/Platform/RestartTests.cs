using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Features.Timers;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Platform;

/// <summary>Stopping and starting the service on the same files: data, flow versions and timers survive.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"));
    private readonly string _workflows;

    public RestartTests()
    {
        _workflows = Path.Combine(_directory, "workflows");
        Directory.CreateDirectory(_workflows);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "workflows", "rectification.yaml"), Path.Combine(_workflows, "rectification.yaml"));
    }

    [Fact]
    public async Task Restart_ChangedFlowFile_BecomesVersion2_RunningCasesStayOnVersion1_AndTimersStillFire()
    {
        int converted;
        using (var first = new AppWithFlows(_directory, _workflows, RectificationApp.Start))
        {
            using var admin = await first.ClientForAsync("county-admin");
            var accepting = (await (await admin.GetAsync("/api/v1/cases?stage=accepting")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0];
            await admin.RecordAcceptanceAsync(accepting.Id(), 0.85m, satisfied: 30, dissatisfied: 2);
            converted = (await admin.ActOkAsync(accepting.Id(), "pass", new { comment = "验收合格" })).Id();
        }

        // An office lengthens the planning deadline; the next start records it as version 2.
        var file = Path.Combine(_workflows, "rectification.yaml");
        var yaml = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, yaml.Replace("deadline: 15 working days\n    actions:\n      - key: submit-plan", "deadline: 20 working days\n    actions:\n      - key: submit-plan", StringComparison.Ordinal));

        // Thirteen months later, with the follow-up period over while the service was down.
        using var second = new AppWithFlows(_directory, _workflows, RectificationApp.Start.AddMonths(13));
        var sweeps = second.Services.GetRequiredService<Sweep>();
        var swept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sweeps.Completed += outcome =>
        {
            if (outcome.Fired > 0)
            {
                swept.TrySetResult();
            }
        };

        using var admin2 = await second.ClientForAsync("county-admin");
        var flow = await (await admin2.GetAsync("/api/v1/workflows/rectification")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, flow.GetProperty("version").GetInt32());
        Assert.Equal([1, 2], flow.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        var planningV2 = flow.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "planning");
        Assert.Equal("20 working days", planningV2.GetProperty("deadline").GetString());

        // The demo is not seeded twice, and the case that was running stays on the version it started with.
        var total = (await (await admin2.GetAsync("/api/v1/cases?year=2026")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
        Assert.Equal(7, total);
        if ((await admin2.GetCaseAsync(converted)).Stage() != "closed")
        {
            await swept.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var closed = await admin2.GetCaseAsync(converted);
        Assert.Equal("closed", closed.Stage());
        Assert.Equal(1, closed.GetProperty("flowVersion").GetInt32());
        var fresh = await admin2.ProposeAsync(await second.OrgIdAsync("五家子村"), "1");
        Assert.Equal(2, fresh.GetProperty("flowVersion").GetInt32());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans its temp folder.
        }
    }

    private sealed class AppWithFlows(string directory, string workflows, DateTimeOffset now) : RectificationApp(directory, now)
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Workflows:Directory"] = workflows };
    }
}
