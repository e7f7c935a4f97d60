namespace Rectification.Server.Features.Acceptance;

/// <summary>The county's acceptance (县级验收) of a case in one visit of the accepting stage: scores by item, the
/// villagers' democratic rating, and the outcome computed from them.</summary>
public sealed class AcceptanceRecord
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int StageVisit { get; set; }

    public decimal Total { get; set; }

    public decimal PassMark { get; set; }

    public int Satisfied { get; set; }

    public int BasicallySatisfied { get; set; }

    public int Dissatisfied { get; set; }

    public bool Passed { get; set; }

    public string? Note { get; set; }

    public required string RecordedByName { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public List<AcceptanceScore> Scores { get; set; } = [];
}

/// <summary>The points given for one item of the sheet.</summary>
public sealed class AcceptanceScore
{
    public int AcceptanceRecordId { get; set; }

    public required string Item { get; set; }

    public decimal Points { get; set; }
}
