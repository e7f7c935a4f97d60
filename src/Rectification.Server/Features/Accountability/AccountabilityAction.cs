namespace Rectification.Server.Features.Accountability;

/// <summary>An accountability action (责任追究) the county records against a responsible person, tied to a case and the
/// ledger items concerned. The service proposes candidates but never records one by itself.</summary>
public sealed class AccountabilityAction
{
    public int Id { get; set; }

    public int CaseId { get; set; }

    public int CountyId { get; set; }

    public int TownshipId { get; set; }

    public required string Person { get; set; }

    /// <summary>约谈, 通报, 调整 or 问责.</summary>
    public required string Kind { get; set; }

    /// <summary>措施制定不实, 推进工作不力, 整顿目标不明确 or 检验结果不合格.</summary>
    public required string Ground { get; set; }

    public string? Note { get; set; }

    /// <summary>The ledger item ids concerned, comma-separated; shown with the action, never searched by.</summary>
    public string Items { get; set; } = "";

    public required string RecordedByName { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}
