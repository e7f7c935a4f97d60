namespace Rectification.Server.Features.Ledger;

/// <summary>Where a plan stands.</summary>
public enum PlanStatus
{
    Draft,
    Submitted,
    Approved,
    Returned,
}

/// <summary>The one-village-one-plan (一村一策) of a case: problems found, and for each the measures that fix it.</summary>
public sealed class Plan
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public PlanStatus Status { get; set; }

    /// <summary>The county's comment when it returned the plan; kept until the plan is approved.</summary>
    public string? ReturnComment { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public required string UpdatedByName { get; set; }

    public List<PlanProblem> Problems { get; set; } = [];
}

/// <summary>A problem of the plan, tied to the situations it shows.</summary>
public sealed class PlanProblem
{
    public int Id { get; set; }

    public int PlanId { get; set; }

    public int Seq { get; set; }

    public required string Description { get; set; }

    /// <summary>Situation codes, comma-separated; only ever read with the plan.</summary>
    public required string Situations { get; set; }

    public List<PlanMeasure> Measures { get; set; } = [];
}

/// <summary>A measure with the "four clear" (四明确): target, measure, deadline and the responsible persons.</summary>
public sealed class PlanMeasure
{
    public int Id { get; set; }

    public int ProblemId { get; set; }

    public int Seq { get; set; }

    public required string Measure { get; set; }

    public required string Target { get; set; }

    public required string TownshipResponsible { get; set; }

    public required string VillageResponsible { get; set; }

    public DateOnly Deadline { get; set; }
}

/// <summary>Where a ledger item came from.</summary>
public enum LedgerSource
{
    Measure,
    Feedback,
}

/// <summary>Where a ledger item stands: open, reported done by the township, or closed (销号) by an inspector.</summary>
public enum LedgerStatus
{
    Open,
    Reported,
    Closed,
}

/// <summary>One row of the ledger (台账): a problem and its measure, responsible persons and deadline, closed only when
/// an inspector verifies it and ticks it off.</summary>
public sealed class LedgerItem
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int CountyId { get; set; }

    public int TownshipId { get; set; }

    public int VillageId { get; set; }

    public LedgerSource Source { get; set; }

    public required string Problem { get; set; }

    public required string Measure { get; set; }

    public required string Target { get; set; }

    public required string TownshipResponsible { get; set; }

    public required string VillageResponsible { get; set; }

    /// <summary>The end of the deadline day in Asia/Shanghai.</summary>
    public DateTimeOffset Deadline { get; set; }

    public LedgerStatus Status { get; set; }

    public string? ReportNote { get; set; }

    public DateTimeOffset? ReportedAt { get; set; }

    public string? ReportedByName { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public string? ClosedByName { get; set; }

    /// <summary>How the inspector verified it: 书记访谈, 查看资料, 实地走访 or 群众座谈.</summary>
    public string? VerificationMethod { get; set; }

    public int ReopenCount { get; set; }

    /// <summary>Extensions the county granted; the deadline above is the current one.</summary>
    public int ExtensionCount { get; set; }

    /// <summary>A pending extension request: the deadline asked for, and why.</summary>
    public DateOnly? RequestedDeadline { get; set; }

    public string? ExtensionReason { get; set; }

    public string? ReopenReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the alert sweep must next look at this item's deadline; null when nothing more can fall due. Kept by
    /// <see cref="Alerts.AlertSchedule"/>: every save marks it due now, the sweep moves it on.</summary>
    public DateTimeOffset? NextAlertAt { get; set; }

    public List<LedgerItemSituation> Situations { get; set; } = [];
}

/// <summary>A situation a ledger item addresses, as a row so the ledger can be filtered by it.</summary>
public sealed class LedgerItemSituation
{
    public int LedgerItemId { get; set; }

    public required string Code { get; set; }
}
