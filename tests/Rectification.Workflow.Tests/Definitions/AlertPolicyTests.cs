using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>A flow's own reminder and escalation settings.</summary>
public sealed class AlertPolicyTests
{
    private const string Flow = """
        key: mini
        name: Mini
        start: open
        alerts:
          remind: [5, 2]
          escalate:
            - { after: 2, to: county }
            - { after: 8, to: city }
        stages:
          - key: open
            name: Open
            deadline: 10 working days
            actions:
              - key: close
                name: Close
                roles: [county-admin]
                to: closed
          - key: closed
            name: Closed
            terminal: true
        """;

    [Fact]
    public void Read_AlertsSection_GivesTheFlowsOwnPolicy()
    {
        var result = FlowReader.Read("mini.yaml", Flow);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal([5, 2], result.Definition!.Alerts!.RemindWorkingDaysBefore);
        Assert.Equal([(2, "county"), (8, "city")], result.Definition.Alerts.Escalations);
        Assert.Null(TestFiles.DefaultFlow.Alerts);
    }

    [Theory]
    [InlineData("remind: [5, 2]", "remind: [0]", "alerts.remind")]
    [InlineData("- { after: 8, to: city }", "- { after: 1, to: city }", "alerts.escalate[1].after")]
    [InlineData("- { after: 8, to: city }", "- { after: 9, to: province }", "alerts.escalate[1].to")]
    public void Read_BadAlertsSection_IsAnErrorNamingTheField(string from, string to, string field)
    {
        var result = FlowReader.Read("mini.yaml", Flow.Replace(from, to, StringComparison.Ordinal));

        Assert.Null(result.Definition);
        Assert.Contains(result.Errors, e => e.Field == field);
    }
}
