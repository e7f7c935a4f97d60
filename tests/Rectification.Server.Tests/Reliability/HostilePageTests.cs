using System.Globalization;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Page forms posted in shapes no page of ours renders: refused like any other wrong input, never a 500.</summary>
public sealed class HostilePageTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Theory]
    [InlineData("Editor.Problems.index", "x")]
    [InlineData("Editor.Problems[0].Measures.index", "长")]
    [InlineData("Editor.Problems[0].Measures", "not a list")]
    [InlineData("Editor.Problems[0].Situations.index", "0")]
    public async Task PlanEditor_PostedWithRowsThatBindToNothing_IsRefusedAndWritesNothing(string key, string value)
    {
        // Found by the page fuzzer (seed 1): an explicit row index that binds nothing leaves a null row in the editor's
        // model, and saving it threw a NullReferenceException, a 500.
        using var api = await app.ClientForAsync("county-admin");
        using var secretary = await PageSession.SignInAsync(app, "township-secretary");
        var id = await app.CaseIdAsync("东兴村"); // being planned
        var version = (await api.GetCaseAsync(id)).Version().ToString(CultureInfo.InvariantCulture);
        var before = await DatabaseFingerprint.QuietAsync(app);

        var response = await secretary.PostAsync($"/cases/{id}?handler=Plan", ("version", version), ("command", "save"), (key, value),
            ("Editor.Problems[0].Description", ""));

        Assert.InRange((int)response.StatusCode, 400, 499);
        await before.AssertUnchangedAsync(app);
    }
}
