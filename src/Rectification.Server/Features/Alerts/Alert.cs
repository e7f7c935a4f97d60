namespace Rectification.Server.Features.Alerts;

/// <summary>What an alert says: a deadline is near, has passed, or has been passed long enough to go up a level.</summary>
public enum AlertKind
{
    Reminder,
    Overdue,
    Escalation,
}

/// <summary>An alert about one deadline (a case's stage or a ledger item), addressed to a role at an org unit. Raised at
/// most once per (subject, deadline, kind, level): <see cref="DedupKey"/> is unique.</summary>
public sealed class Alert
{
    public long Id { get; set; }

    public int CaseId { get; set; }

    public int? LedgerItemId { get; set; }

    public AlertKind Kind { get; set; }

    /// <summary>Reminders: working days before the deadline; overdue: 0; escalations: 1, 2... up the chain.</summary>
    public int Level { get; set; }

    public DateTimeOffset DueAt { get; set; }

    /// <summary>When the alert should have been raised.</summary>
    public DateTimeOffset FireAt { get; set; }

    public DateTimeOffset RaisedAt { get; set; }

    /// <summary>Raised well after <see cref="FireAt"/>, e.g. because the service was down.</summary>
    public bool Late { get; set; }

    public required string TargetRole { get; set; }

    public int TargetOrgUnitId { get; set; }

    public required string Message { get; set; }

    public required string DedupKey { get; set; }
}

/// <summary>A user has seen an alert.</summary>
public sealed class AlertAcknowledgement
{
    public long AlertId { get; set; }

    public int UserId { get; set; }

    public DateTimeOffset At { get; set; }
}
