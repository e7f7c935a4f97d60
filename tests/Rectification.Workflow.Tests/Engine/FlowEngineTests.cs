using Rectification.Workflow.Definitions;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Guards;

namespace Rectification.Workflow.Tests.Engine;

/// <summary>The engine's rules over the shipped default flow: which actions exist, who may take them, what they need.</summary>
public sealed class FlowEngineTests
{
    private static readonly string[] CountyAdmin = [Roles.CountyAdmin];
    private static readonly string[] TownshipSecretary = [Roles.TownshipSecretary];

    private static FlowDefinition Flow => TestFiles.DefaultFlow;

    [Fact]
    public void Decide_ActionOfAnotherStage_IsNotAvailable()
    {
        var decision = FlowEngine.Decide(Flow, At("proposed"), "pass", CountyAdmin, ActionInput.Empty);

        var notAvailable = Assert.IsType<ActionDecision.NotAvailable>(decision);
        Assert.Equal("proposed", notAvailable.Stage);
    }

    [Fact]
    public void Decide_UnknownAction_IsNotAvailable()
    {
        var decision = FlowEngine.Decide(Flow, At("planning"), "approve", TownshipSecretary, ActionInput.Empty);

        Assert.Equal(new ActionDecision.NotAvailable("planning"), decision);
    }

    [Fact]
    public void Decide_WrongRole_IsForbiddenAndNamesTheAllowedRoles()
    {
        var decision = FlowEngine.Decide(Flow, At("planning"), "submit-plan", CountyAdmin, ActionInput.Empty);

        var forbidden = Assert.IsType<ActionDecision.Forbidden>(decision);
        Assert.Equal([Roles.TownshipSecretary], forbidden.AllowedRoles);
    }

    [Fact]
    public void Decide_InspectorInReviewing_IsForbiddenToSubmitReviewsAlthoughItSignsThere()
    {
        var decision = FlowEngine.Decide(Flow, At("reviewing", signed: ["self-assessment", "cross-review", "villagers-review"]),
            "submit-reviews", [Roles.Inspector], ActionInput.Empty);

        Assert.IsType<ActionDecision.Forbidden>(decision);
    }

    [Fact]
    public void Decide_ActorWithSeveralRolesOneAllowed_IsNotForbidden()
    {
        var decision = FlowEngine.Decide(Flow, At("proposed"), "confirm", [Roles.Inspector, Roles.CountyAdmin], ActionInput.Empty);

        Assert.IsType<ActionDecision.Allowed>(decision);
    }

    [Fact]
    public void Decide_UnknownField_IsInvalidInputNamingTheFieldsTheActionTakes()
    {
        var input = Input(("countyLeader", "张县长"), ("mayor", "李镇长"));

        var decision = FlowEngine.Decide(Flow, At("assigning"), "assign", CountyAdmin, input);

        var invalid = Assert.IsType<ActionDecision.InvalidInput>(decision);
        var (key, messages) = Assert.Single(invalid.Errors);
        Assert.Equal("fields.mayor", key);
        Assert.Equal(
            "Action 'assign' takes no field 'mayor' (it takes: countyLeader, townshipMember, firstSecretary, pairedDepartment).",
            Assert.Single(messages));
    }

    [Fact]
    public void Decide_FieldForActionWithoutFields_IsInvalidInput()
    {
        var decision = FlowEngine.Decide(Flow, At("proposed"), "confirm", CountyAdmin, Input(("note", "x")));

        var invalid = Assert.IsType<ActionDecision.InvalidInput>(decision);
        Assert.Equal("Action 'confirm' takes no field 'note' (it takes: none).", Assert.Single(invalid.Errors["fields.note"]));
    }

    [Fact]
    public void Decide_FieldValueOver500Characters_IsInvalidInput()
    {
        var input = Input(
            ("countyLeader", new string('张', 501)), ("townshipMember", "赵委员"), ("firstSecretary", "李明"), ("pairedDepartment", "县农业农村局"));

        var decision = FlowEngine.Decide(Flow, At("assigning"), "assign", CountyAdmin, input);

        var invalid = Assert.IsType<ActionDecision.InvalidInput>(decision);
        Assert.Equal(["fields.countyLeader"], invalid.Errors.Keys);
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2026-3-6")]
    [InlineData("03/06/2026")]
    [InlineData("2026-03-06T10:00")]
    [InlineData("tomorrow")]
    public void Decide_BadDateValue_IsInvalidInput(string value)
    {
        var decision = FlowEngine.Decide(VisitFlow, At("open"), "schedule", CountyAdmin, Input(("visitDate", value)));

        var invalid = Assert.IsType<ActionDecision.InvalidInput>(decision);
        var (key, messages) = Assert.Single(invalid.Errors);
        Assert.Equal("fields.visitDate", key);
        Assert.Equal(["Expected a date as yyyy-MM-dd."], messages);
    }

    [Fact]
    public void Decide_BadNumberValue_IsInvalidInput()
    {
        var decision = FlowEngine.Decide(VisitFlow, At("open"), "schedule", CountyAdmin, Input(("visitDate", "2026-03-06"), ("attendees", "many")));

        var invalid = Assert.IsType<ActionDecision.InvalidInput>(decision);
        Assert.Equal(["Expected a number."], invalid.Errors["fields.attendees"]);
        Assert.False(invalid.Errors.ContainsKey("fields.visitDate"));
    }

    [Fact]
    public void Decide_ValidDateAndNumber_IsAllowedWithTrimmedValues()
    {
        var decision = FlowEngine.Decide(VisitFlow, At("open"), "schedule", CountyAdmin, Input(("visitDate", " 2026-03-06 "), ("attendees", "12")));

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("done", allowed.To.Key);
        Assert.Equal(
            [new FieldChange("attendees", null, "12"), new FieldChange("visitDate", null, "2026-03-06")],
            allowed.Changes.OrderBy(c => c.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Decide_AssignWithoutFields_IsBlockedListingAllFourMissingFields()
    {
        var decision = FlowEngine.Decide(Flow, At("assigning"), "assign", CountyAdmin, ActionInput.Empty);

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        Assert.Equal(["countyLeader", "townshipMember", "firstSecretary", "pairedDepartment"], blocked.Unmet.Select(u => u.Subject));
        Assert.All(blocked.Unmet, u => Assert.Equal("fields", u.Guard));
    }

    [Fact]
    public void Decide_AssignWithBlankAndMissingFields_IsBlockedListingOnlyThose()
    {
        var state = At("assigning", fields: new Dictionary<string, string> { ["firstSecretary"] = "李明" });
        var input = Input(("countyLeader", "张县长"), ("townshipMember", "   "));

        var decision = FlowEngine.Decide(Flow, state, "assign", CountyAdmin, input);

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        Assert.Equal(["townshipMember", "pairedDepartment"], blocked.Unmet.Select(u => u.Subject));
    }

    [Fact]
    public void Decide_SubmitReviewsWithOneItemSigned_IsBlockedListingExactlyTheUnsignedItems()
    {
        var decision = FlowEngine.Decide(Flow, At("reviewing", signed: ["cross-review"]), "submit-reviews", CountyAdmin, ActionInput.Empty);

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        Assert.Equal(["self-assessment", "villagers-review"], blocked.Unmet.Select(u => u.Subject));
        Assert.All(blocked.Unmet, u => Assert.Equal("checklist", u.Guard));
        Assert.Contains("township-secretary", blocked.Unmet[0].Message, StringComparison.Ordinal);
        Assert.Contains("督导组", blocked.Unmet[1].MessageZh, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SubmitReviewsWithEveryItemSigned_IsAllowedToAccepting()
    {
        var state = At("reviewing", signed: ["self-assessment", "cross-review", "villagers-review"]);

        var decision = FlowEngine.Decide(Flow, state, "submit-reviews", CountyAdmin, ActionInput.Empty);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("accepting", allowed.To.Key);
        Assert.Empty(allowed.Changes);
    }

    [Theory]
    [InlineData("accepting", "fail", null)]
    [InlineData("accepting", "fail", "")]
    [InlineData("accepting", "fail", "   ")]
    [InlineData("plan-review", "return-plan", null)]
    [InlineData("plan-review", "return-plan", " ")]
    [InlineData("proposed", "dismiss", null)]
    [InlineData("proposed", "dismiss", "")]
    public void Decide_RejectingActionWithoutComment_IsBlockedOnComment(string stage, string action, string? comment)
    {
        var decision = FlowEngine.Decide(Flow, At(stage), action, CountyAdmin, new ActionInput(comment, new Dictionary<string, string?>()));

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        var unmet = Assert.Single(blocked.Unmet);
        Assert.Equal(("comment", "comment"), (unmet.Guard, unmet.Subject));
    }

    [Theory]
    [InlineData("accepting", "fail", "rectifying")]
    [InlineData("plan-review", "return-plan", "planning")]
    [InlineData("proposed", "dismiss", "dismissed")]
    public void Decide_RejectingActionWithComment_IsAllowedToItsStage(string stage, string action, string to)
    {
        var decision = FlowEngine.Decide(Flow, At(stage), action, CountyAdmin, new ActionInput("班子配备仍不齐", new Dictionary<string, string?>()));

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal(action, allowed.Action.Key);
        Assert.Equal(to, allowed.To.Key);
    }

    [Fact]
    public void Decide_AssignWithAllFields_IsAllowedToPlanningWithOldAndNewValues()
    {
        var state = At("assigning", fields: new Dictionary<string, string>
        {
            ["countyLeader"] = "王副县长",
            ["firstSecretary"] = "李明",
        });
        var input = Input(
            ("countyLeader", "张副县长"),
            ("townshipMember", "  赵委员  "),
            ("firstSecretary", "李明"),
            ("pairedDepartment", "县农业农村局"));

        var decision = FlowEngine.Decide(Flow, state, "assign", CountyAdmin, input);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("assign", allowed.Action.Key);
        Assert.Equal("planning", allowed.To.Key);
        // The unchanged first secretary is not a change; the township member is stored trimmed.
        Assert.Equal(
            [
                new FieldChange("countyLeader", "王副县长", "张副县长"),
                new FieldChange("pairedDepartment", null, "县农业农村局"),
                new FieldChange("townshipMember", null, "赵委员"),
            ],
            allowed.Changes.OrderBy(c => c.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Decide_SubmitPlanCoveringEverySituation_IsAllowedToPlanReview()
    {
        var ledger = new LedgerFacts(new HashSet<string> { "1", "4" }, new HashSet<string> { "1", "4" }, 2, []);
        var decision = FlowEngine.Decide(Flow, At("planning") with { Ledger = ledger }, "submit-plan", TownshipSecretary, ActionInput.Empty);

        var allowed = Assert.IsType<ActionDecision.Allowed>(decision);
        Assert.Equal("plan-review", allowed.To.Key);
        Assert.Empty(allowed.Changes);
        Assert.Equal(["plan-submitted"], allowed.Action.Effects);
    }

    [Fact]
    public void Decide_SubmitPlanMissingASituation_IsBlockedNamingIt()
    {
        var ledger = new LedgerFacts(new HashSet<string> { "1", "4" }, new HashSet<string> { "1" }, 1, []);
        var decision = FlowEngine.Decide(Flow, At("planning") with { Ledger = ledger }, "submit-plan", TownshipSecretary, ActionInput.Empty);

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        Assert.Equal([("plan", "4")], blocked.Unmet.Select(u => (u.Guard, u.Subject)));
    }

    [Fact]
    public void Decide_RequestAcceptanceWithOpenLedgerItems_IsBlockedListingThem()
    {
        var ledger = new LedgerFacts(new HashSet<string>(), new HashSet<string>(), 2, [new OpenLedgerItem(7, "班子配齐", "open"), new OpenLedgerItem(9, "三会一课", "reported")]);
        var decision = FlowEngine.Decide(Flow, At("rectifying") with { Ledger = ledger }, "request-acceptance", TownshipSecretary, ActionInput.Empty);

        var blocked = Assert.IsType<ActionDecision.Blocked>(decision);
        Assert.Equal(["7", "9"], blocked.Unmet.Select(u => u.Subject));
        Assert.All(blocked.Unmet, u => Assert.Equal("ledger", u.Guard));
    }

    [Fact]
    public void ActionsFor_CountyAdminInProposed_IsConfirmAndDismiss()
    {
        Assert.Equal(["confirm", "dismiss"], FlowEngine.ActionsFor(Flow, "proposed", CountyAdmin).Select(a => a.Key));
    }

    [Theory]
    [InlineData("proposed", Roles.TownshipSecretary)]
    [InlineData("reviewing", Roles.Inspector)]
    [InlineData("reviewing", Roles.TownshipSecretary)]
    [InlineData("converted", Roles.CountyAdmin)]
    [InlineData("closed", Roles.CountyAdmin)]
    [InlineData("no-such-stage", Roles.CountyAdmin)]
    public void ActionsFor_RoleWithNothingToDoThere_IsEmpty(string stage, string role)
    {
        Assert.Empty(FlowEngine.ActionsFor(Flow, stage, [role]));
    }

    [Fact]
    public void ActionsFor_SecretaryInRectifying_IsRequestAcceptance()
    {
        var action = Assert.Single(FlowEngine.ActionsFor(Flow, "rectifying", TownshipSecretary));

        Assert.Equal("request-acceptance", action.Key);
    }

    [Fact]
    public void Preview_SubmitReviewsWithNothingSigned_ListsEveryChecklistItem()
    {
        var action = Flow.GetStage("reviewing").FindAction("submit-reviews")!;

        var unmet = FlowEngine.Preview(Flow, At("reviewing"), action);

        Assert.Equal(["self-assessment", "cross-review", "villagers-review"], unmet.Select(u => u.Subject));
    }

    [Fact]
    public void Preview_AssignBeforeAnyInput_IsEmptyBecauseTheActionCollectsItsRequiredFields()
    {
        var action = Flow.GetStage("assigning").FindAction("assign")!;

        Assert.Empty(FlowEngine.Preview(Flow, At("assigning"), action));
    }

    [Fact]
    public void Preview_FailBeforeAnyInput_IsEmptyBecauseTheCommentComesWithTheAction()
    {
        var action = Flow.GetStage("accepting").FindAction("fail")!;

        Assert.Empty(FlowEngine.Preview(Flow, At("accepting"), action));
    }

    /// <summary>A flow with typed fields, since the default flow collects only text.</summary>
    private static readonly FlowDefinition VisitFlow = FlowReader.Read("visits.yaml", """
        key: visits
        name: Visits
        start: open
        stages:
          - key: open
            name: Open
            roles: [county-admin]
            actions:
              - key: schedule
                name: Schedule a visit
                roles: [county-admin]
                to: done
                fields:
                  - { key: visitDate, name: Visit date, type: date }
                  - { key: attendees, name: Attendees, type: number }
          - key: done
            name: Done
            terminal: true
        """).Definition ?? throw new InvalidOperationException("The visits flow does not load.");

    private static CaseState At(string stage, Dictionary<string, string>? fields = null, string[]? signed = null, string[]? situations = null) =>
        new(stage, fields ?? [], new HashSet<string>(signed ?? [], StringComparer.Ordinal), new HashSet<string>(situations ?? [], StringComparer.Ordinal));

    private static ActionInput Input(params (string Key, string? Value)[] fields) =>
        new(null, fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));
}
