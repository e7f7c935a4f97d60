namespace Rectification.Server.Features.Audit;

/// <summary>An append-only record of a change outside any case: accounts and org units.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public int? ActorId { get; set; }

    public required string ActorName { get; set; }

    /// <summary>What happened, e.g. user-created, org-unit-created, flow-version-loaded.</summary>
    public required string Kind { get; set; }

    public required string Subject { get; set; }

    public string? Detail { get; set; }
}
