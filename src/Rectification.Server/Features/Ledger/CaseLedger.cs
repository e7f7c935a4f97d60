using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Cases;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Ledger;

/// <summary>A case's plan and ledger as the engine needs them, and the plan effects of actions (submit, approve,
/// return), carried out in the same transaction as the move.</summary>
public sealed class CaseLedger(AppDbContext db, TimeProvider clock)
{
    public async Task<LedgerFacts> FactsAsync(Case @case, CancellationToken cancellationToken)
    {
        var situations = @case.Situations.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        var problems = await db.Plans.AsNoTracking().Where(p => p.CaseId == @case.Id)
            .SelectMany(p => p.Problems).Select(p => new { p.Situations, Measures = p.Measures.Count }).ToListAsync(cancellationToken);
        var covered = problems.Where(p => p.Measures > 0)
            .SelectMany(p => p.Situations.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        var open = await db.LedgerItems.AsNoTracking().Where(i => i.CaseId == @case.Id && i.Status != LedgerStatus.Closed)
            .OrderBy(i => i.Id).Select(i => new OpenLedgerItem(i.Id, i.Measure, i.Status == LedgerStatus.Open ? "open" : "reported"))
            .ToListAsync(cancellationToken);
        return new LedgerFacts(situations, covered, problems.Sum(p => p.Measures), open,
            await Acceptance.RecordAcceptance.FactsAsync(db, @case, cancellationToken));
    }

    /// <summary>Carries out an action's effects on the plan and ledger; the caller saves them with the move.</summary>
    public async Task ApplyEffectsAsync(Case @case, ActionDefinition action, string? comment, string actorName, CancellationToken cancellationToken)
    {
        if (action.Effects.Count == 0)
        {
            return;
        }

        var plan = await db.Plans.Include(p => p.Problems).ThenInclude(p => p.Measures).SingleOrDefaultAsync(p => p.CaseId == @case.Id, cancellationToken);
        if (plan is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        plan.UpdatedAt = now;
        plan.UpdatedByName = actorName;
        foreach (var effect in action.Effects)
        {
            switch (effect)
            {
                case ActionEffects.PlanSubmitted:
                    plan.Status = PlanStatus.Submitted;
                    break;
                case ActionEffects.PlanReturned:
                    plan.Status = PlanStatus.Returned;
                    plan.ReturnComment = comment;
                    break;
                case ActionEffects.PlanApproved:
                    plan.Status = PlanStatus.Approved;
                    foreach (var problem in plan.Problems.OrderBy(p => p.Seq))
                    {
                        foreach (var measure in problem.Measures.OrderBy(m => m.Seq))
                        {
                            db.LedgerItems.Add(new LedgerItem
                            {
                                CaseId = @case.Id,
                                CountyId = @case.CountyId,
                                TownshipId = @case.TownshipId,
                                VillageId = @case.VillageId,
                                Source = LedgerSource.Measure,
                                Problem = problem.Description,
                                Measure = measure.Measure,
                                Target = measure.Target,
                                TownshipResponsible = measure.TownshipResponsible,
                                VillageResponsible = measure.VillageResponsible,
                                Deadline = ShanghaiTime.EndOfDay(measure.Deadline),
                                Status = LedgerStatus.Open,
                                CreatedAt = now,
                                Situations = problem.Situations.Split(',', StringSplitOptions.RemoveEmptyEntries)
                                    .Select(code => new LedgerItemSituation { Code = code }).ToList(),
                            });
                        }
                    }

                    break;
            }
        }
    }
}
