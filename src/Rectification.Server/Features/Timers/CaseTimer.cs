namespace Rectification.Server.Features.Timers;

/// <summary>A due timer transition of a case; this table, not the scheduler, is the source of truth,
/// so a lost or repeated trigger can neither drop nor double a transition.</summary>
public sealed class CaseTimer
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int StageVisit { get; set; }

    public required string Stage { get; set; }

    public required string TimerKey { get; set; }

    public DateTimeOffset DueAt { get; set; }

    public DateTimeOffset? FiredAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }
}
