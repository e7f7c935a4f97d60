namespace Rectification.Server.Features.Cases;

/// <summary>Where a case was proposed from.</summary>
public enum CaseSource
{
    /// <summary>Reported by the township party committee (乡镇党委上报).</summary>
    TownshipReport,

    /// <summary>Found by a supervision team (督导组摸排).</summary>
    SupervisionTeam,
}

/// <summary>One listed branch's rectification in one year, moving through a flow version.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Case is the domain word; the type is never used from VB.")]
public sealed class Case
{
    public int Id { get; set; }

    public int VillageId { get; set; }

    public int TownshipId { get; set; }

    public int CountyId { get; set; }

    public int CityId { get; set; }

    public int Year { get; set; }

    /// <summary>Equal to <see cref="Year"/> while the case is open and null once it is closed or dismissed;
    /// a unique index on (VillageId, OpenYear) allows one open case per village and year.</summary>
    public int? OpenYear { get; set; }

    public CaseSource Source { get; set; }

    /// <summary>How many times the branch has been listed, this case included (连续列入次数): earlier years' cases of the
    /// village that were not dismissed, plus one.</summary>
    public int TimesListed { get; set; } = 1;

    public string? Note { get; set; }

    public int FlowVersionId { get; set; }

    public required string Stage { get; set; }

    public DateTimeOffset StageEnteredAt { get; set; }

    public DateTimeOffset? StageDeadline { get; set; }

    /// <summary>Working days suspensions added to this stage's deadline, so it can be recomputed when the calendar changes.</summary>
    public int DeadlineShift { get; set; }

    /// <summary>Counts entries into stages, so checklist signatures and timers belong to one visit of a stage
    /// and a loop back (回炉) starts them afresh.</summary>
    public int StageVisit { get; set; }

    /// <summary>Optimistic concurrency: every change increments it; clients send it back as If-Match.</summary>
    public int Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Set while the county has suspended the case (e.g. during a village election): its clocks stop.</summary>
    public DateTimeOffset? SuspendedAt { get; set; }

    /// <summary>When the alert sweep must next look at this stage's deadline; null when nothing more can fall due. Kept by
    /// <see cref="Alerts.AlertSchedule"/>: every save marks it due now, the sweep moves it on.</summary>
    public DateTimeOffset? NextAlertAt { get; set; }

    /// <summary>The hash of the newest history entry: the head of the chain <see cref="Audit.HistoryChain"/> verifies, so
    /// an entry removed from the end of the history is noticed too.</summary>
    public string? HistoryHash { get; set; }

    public List<CaseSituation> Situations { get; set; } = [];

    public List<CaseField> Fields { get; set; } = [];

    public List<ChecklistSignature> Signatures { get; set; } = [];

    /// <summary>The history; appended to, never loaded whole with the case.</summary>
    public List<CaseEvent> History { get; set; } = [];

    public List<Timers.CaseTimer> Timers { get; set; } = [];
}

/// <summary>A defining situation (情形) a case is listed for.</summary>
public sealed class CaseSituation
{
    public int CaseId { get; set; }

    public required string Code { get; set; }
}

/// <summary>A typed value collected by an action, e.g. the county leader assigned in 包保.</summary>
public sealed class CaseField
{
    public int CaseId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A checklist item signed during one visit of a stage.</summary>
public sealed class ChecklistSignature
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int StageVisit { get; set; }

    public required string Stage { get; set; }

    public required string Item { get; set; }

    public int SignedById { get; set; }

    public required string SignedByName { get; set; }

    public DateTimeOffset SignedAt { get; set; }

    public string? Comment { get; set; }
}

/// <summary>An entry of a case's append-only history: who did what, when, and what changed.</summary>
public sealed class CaseEvent
{
    public long Id { get; set; }

    public int CaseId { get; set; }

    /// <summary>1, 2, 3... within the case; unique with <see cref="CaseId"/>, so history has one order.</summary>
    public int Seq { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>Null when the system acted (a timer).</summary>
    public int? ActorId { get; set; }

    public required string ActorName { get; set; }

    /// <summary>What happened: propose, action, sign, timer.</summary>
    public required string Kind { get; set; }

    public string? Action { get; set; }

    public string? FromStage { get; set; }

    public string? ToStage { get; set; }

    public string? Comment { get; set; }

    /// <summary>Changed fields as JSON ({"key": {"old": ..., "new": ...}}), shown as they were; never queried by value.</summary>
    public string? Changes { get; set; }

    /// <summary>SHA-256 over the previous entry's hash and this entry (<see cref="Audit.HistoryChain"/>), so an entry
    /// edited, removed or inserted behind the service's back breaks the chain. Null only for entries written before
    /// chaining existed, until start-up seals them.</summary>
    public string? Hash { get; set; }
}
