using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Situations;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>A named reference: an org unit, a stage, a situation.</summary>
public sealed record NamedRef(string Key, string Name);

/// <summary>An org unit a case belongs to.</summary>
public sealed record OrgRef(int Id, string Code, string Name);

/// <summary>A field an action collects.</summary>
public sealed record ActionFieldView(string Key, string Name, string Type, bool Required);

/// <summary>An action the caller may take now, with what still blocks it.</summary>
public sealed record ActionView(string Key, string Name, string To, IReadOnlyList<ActionFieldView> Fields, bool RequiresComment,
    IReadOnlyList<UnmetCondition> Blocked);

/// <summary>A checklist item of the current stage and its signature, if any.</summary>
public sealed record ChecklistItemView(string Key, string Name, string Role, bool IsSigned, string? SignedBy, DateTimeOffset? SignedAt, bool CanSign);

/// <summary>A case as GET /api/v1/cases/{id} shows it.</summary>
public sealed record CaseDetail(
    int Id,
    int Year,
    OrgRef Village,
    OrgRef Township,
    OrgRef County,
    IReadOnlyList<Situation> Situations,
    string Source,
    string? Note,
    int TimesListed,
    string Flow,
    int FlowVersion,
    NamedRef Stage,
    DateTimeOffset StageEnteredAt,
    DateTimeOffset? StageDeadline,
    int Version,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlyList<ChecklistItemView> Checklist,
    IReadOnlyList<ActionView> Actions,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? SuspendedAt);

/// <summary>Builds the views of cases the API returns, in Asia/Shanghai time.</summary>
public sealed class CaseViews(CaseStore store, FlowCatalog flows, SituationCatalog situations, Ledger.CaseLedger ledger)
{
    public static string ETag(int version) => $"\"{version}\"";

    /// <summary>What the engine needs of a case: stage, fields, this visit's signatures and the situations.</summary>
    public static CaseState StateOf(Case @case) => new(
        @case.Stage,
        @case.Fields.ToDictionary(f => f.Key, f => f.Value),
        @case.Signatures.Where(s => s.StageVisit == @case.StageVisit).Select(s => s.Item).ToHashSet(),
        @case.Situations.Select(s => s.Code).ToHashSet());

    public static string SourceKey(CaseSource source) => source switch
    {
        CaseSource.TownshipReport => "township-report",
        _ => "supervision-team",
    };

    /// <summary>The case as the API shows it; <paramref name="facts"/> are its plan and ledger facts when the caller
    /// already holds them as they are now, else they are read.</summary>
    public async Task<CaseDetail> DetailAsync(Case @case, CurrentUser user, CancellationToken cancellationToken, LedgerFacts? facts = null)
    {
        var ids = new[] { @case.VillageId, @case.TownshipId, @case.CountyId };
        var units = await store.Db.OrgUnits.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, cancellationToken);
        OrgRef Unit(int id) => new(id, units[id].Code, units[id].Name);

        var flow = flows.Get(@case.FlowVersionId);
        var stage = flow.Definition.GetStage(@case.Stage);
        var signatures = @case.Signatures.Where(s => s.StageVisit == @case.StageVisit).ToDictionary(s => s.Item);
        var fields = @case.Fields.ToDictionary(f => f.Key, f => f.Value);
        var state = StateOf(@case) with { Ledger = facts ?? await ledger.FactsAsync(@case, cancellationToken) };
        var actions = user.IsReadOnly
            ? []
            : FlowEngine.ActionsFor(flow.Definition, @case.Stage, user.Roles)
                .Select(a => new ActionView(
                    a.Key,
                    a.Name,
                    a.To,
                    a.Fields.Select(f => new ActionFieldView(f.Key, f.Name, f.Type.ToString().ToLowerInvariant(),
                        a.Guards.OfType<FieldsGuard>().Any(g => g.Required.Contains(f.Key)))).ToList(),
                    a.Guards.OfType<CommentRequiredGuard>().Any(),
                    FlowEngine.Preview(flow.Definition, state, a)))
                .ToList();
        var checklist = stage.Checklist.Select(item =>
        {
            var signature = signatures.GetValueOrDefault(item.Key);
            return new ChecklistItemView(item.Key, item.Name, item.Role, signature is not null, signature?.SignedByName,
                signature is null ? null : ShanghaiTime.ToLocal(signature.SignedAt), signature is null && !user.IsReadOnly && user.Has(item.Role));
        }).ToList();

        return new CaseDetail(
            @case.Id,
            @case.Year,
            Unit(@case.VillageId),
            Unit(@case.TownshipId),
            Unit(@case.CountyId),
            @case.Situations.Select(s => situations.Find(s.Code) ?? new Situation(s.Code, s.Code)).OrderBy(s => s.Code.Length).ThenBy(s => s.Code).ToList(),
            SourceKey(@case.Source),
            @case.Note,
            @case.TimesListed,
            flow.Key,
            flow.Version,
            new NamedRef(stage.Key, stage.Name),
            ShanghaiTime.ToLocal(@case.StageEnteredAt),
            @case.StageDeadline is { } deadline ? ShanghaiTime.ToLocal(deadline) : null,
            @case.Version,
            fields,
            checklist,
            actions,
            ShanghaiTime.ToLocal(@case.CreatedAt),
            @case.EndedAt is { } ended ? ShanghaiTime.ToLocal(ended) : null,
            @case.SuspendedAt is { } suspended ? ShanghaiTime.ToLocal(suspended) : null);
    }
}
