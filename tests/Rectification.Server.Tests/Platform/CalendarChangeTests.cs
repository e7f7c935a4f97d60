using System.Net;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Platform;

/// <summary>Editing the working calendar moves the open deadlines it affects, on the next start, with a history entry.</summary>
public sealed class CalendarChangeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Restart_WithAnExtraHoliday_MovesTheStageDeadlineByADay_AndRecordsIt()
    {
        var calendar = Path.Combine(_directory, "calendar");
        Directory.CreateDirectory(calendar);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "config", "calendar")))
        {
            File.Copy(file, Path.Combine(calendar, Path.GetFileName(file)));
        }

        int id;
        using (var first = new App(_directory, calendar))
        {
            using var admin = await first.ClientForAsync("county-admin");
            var proposed = await admin.ProposeAsync(await first.OrgIdAsync("长岭村"), "1");
            id = proposed.Id();
            Assert.Equal("2026-03-16T23:59:59+08:00", proposed.GetProperty("stageDeadline").GetString());
        }

        // An office adds a (made-up) local holiday on Tuesday 03-10: ten working days from 03-02 now end on 03-17.
        var file2026 = Path.Combine(calendar, "2026.yaml");
        await File.WriteAllTextAsync(file2026, (await File.ReadAllTextAsync(file2026)).Replace(
            "  - { name: 清明节, from: 2026-04-04, to: 2026-04-06 }", "  - { name: 演练假日, from: 2026-03-10, to: 2026-03-10 }\n  - { name: 清明节, from: 2026-04-04, to: 2026-04-06 }",
            StringComparison.Ordinal));
        using var second = new App(_directory, calendar);
        using var admin2 = await second.ClientForAsync("county-admin");
        Assert.Equal("2026-03-17T23:59:59+08:00", (await admin2.GetCaseAsync(id)).GetProperty("stageDeadline").GetString());
        var history = await (await admin2.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        var entry = history.EnumerateArray().Last();
        Assert.Equal(("calendar", "系统"), (entry.GetProperty("kind").GetString(), entry.GetProperty("actor").GetString()));
        Assert.Contains("2026-03-16", entry.GetProperty("comment").GetString(), StringComparison.Ordinal);
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

    private sealed class App(string directory, string calendar) : RectificationApp(directory, Start)
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Calendar:Directory"] = calendar };
    }
}
