using Rectification.Server.Tests.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Tests.Workflows;

/// <summary>An invalid flow file stops the service from starting, and the failure lists every error with its line.</summary>
public sealed class BrokenFlowStartupTests
{
    private const string Broken = """
        key: rectification
        name: 整顿
        start: proposed
        stages:
          - key: proposed
            name: 拟列入
            roles: [county-admin, village-head]
            deadline: soon
            actions:
              - key: confirm
                name: 确认
                roles: [county-admin]
                to: plannig
          - key: orphan
            name: 孤立阶段
            terminal: true
        """;

    [Fact]
    public void Startup_BrokenFlowFile_FailsListingEveryErrorByFileLineAndField()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rectification-tests", Guid.NewGuid().ToString("N"), "workflows");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "broken.yaml"), Broken);
        using var app = new AppWithFlows(directory);

        var thrown = Record.Exception(() => app.CreateClient());

        var failure = Assert.IsType<FlowLoadException>(Unwrap(thrown));
        var errors = failure.Diagnostics.Select(d => $"{d.Source}:{d.Line}:{d.Field}").ToList();
        Assert.Contains("broken.yaml:7:stages[proposed].roles", errors);
        Assert.Contains("broken.yaml:8:stages[proposed].deadline", errors);
        Assert.Contains("broken.yaml:13:stages[proposed].actions[confirm].to", errors);
        Assert.Contains("broken.yaml:14:stages[orphan]", errors);
        Assert.Contains("broken.yaml:7:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("village-head", failure.Message, StringComparison.Ordinal);
    }

    private static Exception? Unwrap(Exception? exception)
    {
        while (exception is not null and not FlowLoadException && exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    private sealed class AppWithFlows(string directory) : RectificationApp
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Workflows:Directory"] = directory };
    }
}
