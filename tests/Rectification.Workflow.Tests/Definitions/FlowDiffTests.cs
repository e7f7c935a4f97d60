using Rectification.Workflow.Conditions;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Time;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>Comparing two versions of a flow: each edit of the shipped flow shows up as one change at its path.</summary>
public sealed class FlowDiffTests
{
    private static FlowDefinition Flow => TestFiles.DefaultFlow;

    [Fact]
    public void Compare_DefaultFlowWithItself_HasNoChanges()
    {
        Assert.Empty(FlowDiff.Compare(Flow, Flow));
    }

    [Fact]
    public void Compare_DefaultFlowWithAFreshReadOfTheSameFile_HasNoChanges()
    {
        var again = TestFiles.ReadWorkflow("rectification.yaml").Definition!;

        Assert.NotSame(Flow, again);
        Assert.Empty(FlowDiff.Compare(Flow, again));
    }

    [Fact]
    public void Compare_PlanningDeadlineChanged_IsOneChangedDeadline()
    {
        var after = WithStage("planning", s => s with { Deadline = new DurationExpression(20, DurationUnit.WorkingDays) });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(new FlowChange(ChangeKind.Changed, "stages[planning].deadline", "15 working days", "20 working days"), change);
    }

    [Fact]
    public void Compare_DeadlineRemoved_IsAChangeToNone()
    {
        var after = WithStage("rectifying", s => s with { Deadline = null });

        Assert.Equal([new FlowChange(ChangeKind.Changed, "stages[rectifying].deadline", "6 months", "none")], FlowDiff.Compare(Flow, after));
    }

    [Fact]
    public void Compare_StageAdded_IsOneAddedStageDescribed()
    {
        var archived = new StageDefinition("archived", "已归档", [], true, null, [], [], [], SourcePosition.None);
        var after = new FlowDefinition(Flow.Key, Flow.Name, Flow.Start, [.. Flow.Stages, archived]);

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(new FlowChange(ChangeKind.Added, "stages[archived]", null, "已归档, actions []"), change);
    }

    [Fact]
    public void Compare_StageRemoved_IsOneRemovedStageDescribed()
    {
        var after = new FlowDefinition(Flow.Key, Flow.Name, Flow.Start, Flow.Stages.Where(s => s.Key != "plan-review").ToList());

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(
            new FlowChange(ChangeKind.Removed, "stages[plan-review]", "方案审核, deadline 10 working days, actions [approve-plan, return-plan]", null),
            change);
    }

    [Fact]
    public void Compare_ActionTargetChanged_IsOneChangedTo()
    {
        var after = WithAction("accepting", "fail", a => a with { To = "planning" });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(new FlowChange(ChangeKind.Changed, "stages[accepting].actions[fail].to", "rectifying", "planning"), change);
    }

    [Fact]
    public void Compare_ActionGivenARoute_IsOneChangedToListingTheRoutes()
    {
        var route = new Route(Condition.Parse("situations contains 6"), "situations contains 6", "dismissed", SourcePosition.None);
        var after = WithAction("proposed", "confirm", a => a with { Routes = [route] });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(
            new FlowChange(ChangeKind.Changed, "stages[proposed].actions[confirm].to", "assigning", "if situations contains 6 then dismissed; else assigning"),
            change);
    }

    [Fact]
    public void Compare_ChecklistItemRoleChanged_IsOneChangedRole()
    {
        var after = WithStage("reviewing", s => s with
        {
            Checklist = s.Checklist.Select(i => i.Key == "cross-review" ? i with { Role = Roles.Inspector } : i).ToList(),
        });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(
            new FlowChange(ChangeKind.Changed, "stages[reviewing].checklist[cross-review].role", Roles.CountyAdmin, Roles.Inspector),
            change);
    }

    [Fact]
    public void Compare_ActionRemoved_IsOneRemovedActionDescribed()
    {
        var after = WithStage("plan-review", s => s with { Actions = s.Actions.Where(a => a.Key != "return-plan").ToList() });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(new FlowChange(ChangeKind.Removed, "stages[plan-review].actions[return-plan]", "退回修改 (county-admin) → planning", null), change);
    }

    [Fact]
    public void Compare_TimerPeriodChanged_IsOneChangedAfter()
    {
        var after = WithStage("converted", s => s with
        {
            Timers = s.Timers.Select(t => t with { After = new DurationExpression(2, DurationUnit.Years) }).ToList(),
        });

        var change = Assert.Single(FlowDiff.Compare(Flow, after));

        Assert.Equal(new FlowChange(ChangeKind.Changed, "stages[converted].timers[follow-up-ended].after", "12 months", "2 years"), change);
    }

    [Fact]
    public void Compare_TwoEditsInDifferentStages_AreListedInStageOrder()
    {
        var after = WithStage("planning", s => s with { Deadline = new DurationExpression(20, DurationUnit.WorkingDays) });
        after = WithAction(after, "accepting", "fail", a => a with { To = "planning" });

        Assert.Equal(
            ["stages[planning].deadline", "stages[accepting].actions[fail].to"],
            FlowDiff.Compare(Flow, after).Select(c => c.Path));
    }

    [Fact]
    public void Compare_NoPreviousVersion_ListsEveryStageAsAdded()
    {
        var changes = FlowDiff.Compare(null, Flow);

        Assert.Equal(Flow.Stages.Select(s => $"stages[{s.Key}]"), changes.Select(c => c.Path));
        Assert.All(changes, c => Assert.Equal((ChangeKind.Added, (string?)null), (c.Kind, c.Before)));
        Assert.Equal(new FlowChange(ChangeKind.Added, "stages[proposed]", null, "拟列入, deadline 10 working days, actions [confirm, dismiss]"), changes[0]);
        Assert.Equal(new FlowChange(ChangeKind.Added, "stages[closed]", null, "已销号, actions []"), changes[8]);
    }

    [Fact]
    public void ToString_EachKind_FormatsPathAndValues()
    {
        Assert.Equal(
            "changed stages[planning].deadline: 15 working days → 20 working days",
            new FlowChange(ChangeKind.Changed, "stages[planning].deadline", "15 working days", "20 working days").ToString());
        Assert.Equal("added stages[archived]: 已归档, actions []", new FlowChange(ChangeKind.Added, "stages[archived]", null, "已归档, actions []").ToString());
        Assert.Equal(
            "removed stages[plan-review].actions[return-plan]: 退回修改 (county-admin) → planning",
            new FlowChange(ChangeKind.Removed, "stages[plan-review].actions[return-plan]", "退回修改 (county-admin) → planning", null).ToString());
    }

    private static FlowDefinition WithStage(string key, Func<StageDefinition, StageDefinition> change) => WithStage(Flow, key, change);

    private static FlowDefinition WithStage(FlowDefinition flow, string key, Func<StageDefinition, StageDefinition> change) =>
        new(flow.Key, flow.Name, flow.Start, flow.Stages.Select(s => s.Key == key ? change(s) : s).ToList());

    private static FlowDefinition WithAction(string stage, string action, Func<ActionDefinition, ActionDefinition> change) =>
        WithAction(Flow, stage, action, change);

    private static FlowDefinition WithAction(FlowDefinition flow, string stage, string action, Func<ActionDefinition, ActionDefinition> change) =>
        WithStage(flow, stage, s => s with { Actions = s.Actions.Select(a => a.Key == action ? change(a) : a).ToList() });
}
