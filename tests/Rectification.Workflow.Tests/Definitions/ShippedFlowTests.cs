using Rectification.Workflow.Definitions;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>The default flow shipped in <c>workflows/rectification.yaml</c> is the one the issue describes.</summary>
public sealed class ShippedFlowTests
{
    private static FlowDefinition Flow => TestFiles.DefaultFlow;

    [Fact]
    public void Read_ShippedDefaultFlow_HasNoErrorsAndNoWarnings()
    {
        var result = TestFiles.ReadWorkflow("rectification.yaml");

        Assert.Empty(result.Diagnostics);
        Assert.True(result.Succeeded);
        Assert.NotNull(result.Definition);
        Assert.Equal("rectification", result.Definition.Key);
        Assert.Equal("proposed", result.Definition.Start);
    }

    [Fact]
    public void Read_ShippedDefaultFlow_HasExactlyTheTenStagesInOrder()
    {
        Assert.Equal(
            ["proposed", "assigning", "planning", "plan-review", "rectifying", "reviewing", "accepting", "converted", "closed", "dismissed"],
            Flow.Stages.Select(s => s.Key));
    }

    [Fact]
    public void Read_ShippedDefaultFlow_HasExactlyTheTenActionsInOrder()
    {
        Assert.Equal(
            ["confirm", "dismiss", "assign", "submit-plan", "approve-plan", "return-plan", "request-acceptance", "submit-reviews", "pass", "fail"],
            Flow.Stages.SelectMany(s => s.Actions).Select(a => a.Key));
    }

    [Theory]
    [InlineData("proposed", "confirm", Roles.CountyAdmin, "assigning")]
    [InlineData("proposed", "dismiss", Roles.CountyAdmin, "dismissed")]
    [InlineData("assigning", "assign", Roles.CountyAdmin, "planning")]
    [InlineData("planning", "submit-plan", Roles.TownshipSecretary, "plan-review")]
    [InlineData("plan-review", "approve-plan", Roles.CountyAdmin, "rectifying")]
    [InlineData("plan-review", "return-plan", Roles.CountyAdmin, "planning")]
    [InlineData("rectifying", "request-acceptance", Roles.TownshipSecretary, "reviewing")]
    [InlineData("reviewing", "submit-reviews", Roles.CountyAdmin, "accepting")]
    [InlineData("accepting", "pass", Roles.CountyAdmin, "converted")]
    [InlineData("accepting", "fail", Roles.CountyAdmin, "rectifying")]
    public void Read_ShippedDefaultFlow_ActionIsTakenByOneRoleAndLeadsToStage(string stage, string action, string role, string to)
    {
        var definition = Flow.GetStage(stage).FindAction(action);

        Assert.NotNull(definition);
        Assert.Equal([role], definition.Roles);
        Assert.Equal(to, definition.To);
    }

    [Theory]
    [InlineData("dismiss")]
    [InlineData("return-plan")]
    [InlineData("fail")]
    public void Read_ShippedDefaultFlow_RejectingActionRequiresComment(string action)
    {
        var guard = Assert.Single(Flow.Stages.SelectMany(s => s.Actions).Single(a => a.Key == action).Guards);

        Assert.IsType<CommentRequiredGuard>(guard);
    }

    [Fact]
    public void Read_ShippedDefaultFlow_AssignRequiresTheFourAssignmentFieldsItCollects()
    {
        var assign = Flow.GetStage("assigning").FindAction("assign")!;
        string[] four = ["countyLeader", "townshipMember", "firstSecretary", "pairedDepartment"];

        Assert.Equal(four, assign.Fields.Select(f => f.Key));
        Assert.All(assign.Fields, f => Assert.Equal(FieldType.Text, f.Type));
        var guard = Assert.IsType<FieldsGuard>(Assert.Single(assign.Guards));
        Assert.Equal(four, guard.Required);
    }

    [Fact]
    public void Read_ShippedDefaultFlow_ReviewingChecklistIsSignedByThreeRolesBeforeSubmitting()
    {
        var reviewing = Flow.GetStage("reviewing");

        Assert.Equal(
            [("self-assessment", Roles.TownshipSecretary), ("cross-review", Roles.CountyAdmin), ("villagers-review", Roles.Inspector)],
            reviewing.Checklist.Select(i => (i.Key, i.Role)));
        Assert.Equal([Roles.TownshipSecretary, Roles.CountyAdmin, Roles.Inspector], reviewing.Roles);
        Assert.IsType<ChecklistCompleteGuard>(Assert.Single(reviewing.FindAction("submit-reviews")!.Guards));
    }

    [Fact]
    public void Read_ShippedDefaultFlow_ConvertedClosesByTimerAfterTwelveMonths()
    {
        var converted = Flow.GetStage("converted");

        Assert.Empty(converted.Actions);
        Assert.False(converted.Terminal);
        var timer = Assert.Single(converted.Timers);
        Assert.Equal("follow-up-ended", timer.Key);
        Assert.Equal("closed", timer.To);
        Assert.Equal(new DurationExpression(12, DurationUnit.Months), timer.After);
    }

    [Fact]
    public void Read_ShippedDefaultFlow_OnlyClosedAndDismissedAreTerminal()
    {
        Assert.Equal(["closed", "dismissed"], Flow.Stages.Where(s => s.Terminal).Select(s => s.Key));
        Assert.All(Flow.Stages.Where(s => s.Terminal), s => Assert.Empty(s.Actions));
    }

    [Theory]
    [InlineData("proposed", 10, DurationUnit.WorkingDays)]
    [InlineData("assigning", 10, DurationUnit.WorkingDays)]
    [InlineData("planning", 15, DurationUnit.WorkingDays)]
    [InlineData("plan-review", 10, DurationUnit.WorkingDays)]
    [InlineData("rectifying", 6, DurationUnit.Months)]
    [InlineData("reviewing", 15, DurationUnit.WorkingDays)]
    [InlineData("accepting", 20, DurationUnit.WorkingDays)]
    public void Read_ShippedDefaultFlow_WorkingStageHasDeadline(string stage, int amount, DurationUnit unit)
    {
        Assert.Equal(new DurationExpression(amount, unit), Flow.GetStage(stage).Deadline);
    }
}
