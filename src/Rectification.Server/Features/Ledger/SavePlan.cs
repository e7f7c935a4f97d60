using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Situations;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Ledger;

/// <summary>A plan as the API shows and takes it.</summary>
public sealed record PlanView(string Status, string? ReturnComment, IReadOnlyList<ProblemView> Problems, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>A problem of a plan with its measures.</summary>
public sealed record ProblemView(string Description, IReadOnlyList<string> Situations, IReadOnlyList<MeasureView> Measures);

/// <summary>A measure with its four clear points (四明确).</summary>
public sealed record MeasureView(string Measure, string Target, string TownshipResponsible, string VillageResponsible, DateOnly Deadline);

/// <summary>The township secretary writes the one-village-one-plan (一村一策) while the case is in the stage where the
/// plan is submitted: problems tied to situations, each with measures stating target, responsible persons at township
/// and village level, and deadline (四明确). Saving replaces the whole plan and is recorded in the case's history.</summary>
public static class SavePlan
{
    public sealed record MeasureInput(string? Measure, string? Target, string? TownshipResponsible, string? VillageResponsible, string? Deadline);

    public sealed record ProblemInput(string? Description, IReadOnlyList<string>? Situations, IReadOnlyList<MeasureInput>? Measures);

    public sealed record Request(IReadOnlyList<ProblemInput>? Problems);

    public sealed class Handler(CaseStore store, FlowCatalog flows, SituationCatalog catalog, CaseTransitions transitions, TimeProvider clock)
    {
        public async Task<Result<Plan>> HandleAsync(CurrentUser actor, int caseId, int? expectedVersion, Request request, CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            var stage = flows.Get(@case.FlowVersionId).Definition.GetStage(@case.Stage);
            var submit = stage.Actions.FirstOrDefault(a => a.Effects.Contains(ActionEffects.PlanSubmitted));
            if (submit is null)
            {
                return Problem.Conflict($"The plan is written while the case is being planned; it is now in '{stage.Name}'.");
            }

            if (actor.IsReadOnly || !submit.Roles.Any(actor.Has))
            {
                return Problem.Forbidden($"The plan is written by {string.Join(", ", submit.Roles)}.");
            }

            if (Preconditions.Check(expectedVersion, @case.Version, null) is { } refused)
            {
                return refused;
            }

            var errors = Validate(request, @case.Situations.Select(s => s.Code).ToHashSet());
            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var plan = await store.Db.Plans.Include(p => p.Problems).ThenInclude(p => p.Measures).SingleOrDefaultAsync(p => p.CaseId == @case.Id, cancellationToken);
            if (plan is null)
            {
                plan = new Plan { CaseId = @case.Id, UpdatedByName = actor.DisplayName };
                store.Db.Plans.Add(plan);
            }

            plan.Problems.Clear();
            var seq = 0;
            foreach (var problem in request.Problems!)
            {
                var measureSeq = 0;
                plan.Problems.Add(new PlanProblem
                {
                    Seq = ++seq,
                    Description = problem.Description!.Trim(),
                    Situations = string.Join(',', problem.Situations!.Distinct()),
                    Measures = problem.Measures!.Select(m => new PlanMeasure
                    {
                        Seq = ++measureSeq,
                        Measure = m.Measure!.Trim(),
                        Target = m.Target!.Trim(),
                        TownshipResponsible = m.TownshipResponsible!.Trim(),
                        VillageResponsible = m.VillageResponsible!.Trim(),
                        Deadline = ShanghaiTime.ParseDay(m.Deadline!),
                    }).ToList(),
                });
            }

            plan.Status = plan.Status == PlanStatus.Returned ? PlanStatus.Returned : PlanStatus.Draft;
            plan.UpdatedAt = clock.GetUtcNow();
            plan.UpdatedByName = actor.DisplayName;
            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "plan", "save-plan",
                $"{plan.Problems.Count} 个问题，{plan.Problems.Sum(p => p.Measures.Count)} 项措施");
            await store.SaveAsync(cancellationToken);
            return plan;
        }

        private Dictionary<string, string[]> Validate(Request request, HashSet<string> caseSituations)
        {
            var errors = new Dictionary<string, string[]>();
            if (request.Problems is not { Count: > 0 } problems)
            {
                errors["problems"] = ["List at least one problem with its measures."];
                return errors;
            }

            if (problems.Count > 50)
            {
                errors["problems"] = ["At most 50 problems."];
                return errors;
            }

            for (var i = 0; i < problems.Count; i++)
            {
                var p = problems[i];
                var path = $"problems[{i}]";
                if (p is null)
                {
                    errors[path] = ["Required."];
                    continue;
                }

                Problem.RequireText(errors, $"{path}.description", p.Description, 1000);
                if (p.Situations is not { Count: > 0 })
                {
                    errors[$"{path}.situations"] = ["Tie the problem to at least one situation of the case."];
                }
                else
                {
                    for (var j = 0; j < p.Situations.Count; j++)
                    {
                        if (p.Situations[j] is not { } code || !catalog.Contains(code) || !caseSituations.Contains(code))
                        {
                            errors[$"{path}.situations[{j}]"] = [$"'{p.Situations[j]}' is not a situation this case was listed for."];
                        }
                    }
                }

                if (p.Measures is not { Count: > 0 and <= 20 })
                {
                    errors[$"{path}.measures"] = ["Between 1 and 20 measures."];
                    continue;
                }

                for (var j = 0; j < p.Measures.Count; j++)
                {
                    var m = p.Measures[j];
                    var mp = $"{path}.measures[{j}]";
                    if (m is null)
                    {
                        errors[mp] = ["Required."];
                        continue;
                    }

                    Problem.RequireText(errors, $"{mp}.measure", m.Measure, 1000);
                    Problem.RequireText(errors, $"{mp}.target", m.Target, 500);
                    Problem.RequireText(errors, $"{mp}.townshipResponsible", m.TownshipResponsible, 100);
                    Problem.RequireText(errors, $"{mp}.villageResponsible", m.VillageResponsible, 100);
                    if (!ShanghaiTime.TryParseDay(m.Deadline, out var deadline))
                    {
                        errors[$"{mp}.deadline"] = ["Required: a date as yyyy-MM-dd."];
                    }
                    else if (ShanghaiTime.EndOfDay(deadline) < clock.GetUtcNow())
                    {
                        // A measure due before the plan is even written is a typing mistake, not a plan.
                        errors[$"{mp}.deadline"] = ["The deadline has already passed."];
                    }
                }
            }

            return errors;
        }
    }

    public static PlanView View(Plan? plan) => plan is null
        ? new PlanView("none", null, [], null, null)
        : new PlanView(
            plan.Status.ToString().ToLowerInvariant(),
            plan.ReturnComment,
            plan.Problems.OrderBy(p => p.Seq).Select(p => new ProblemView(
                p.Description,
                p.Situations.Split(',', StringSplitOptions.RemoveEmptyEntries),
                p.Measures.OrderBy(m => m.Seq).Select(m => new MeasureView(m.Measure, m.Target, m.TownshipResponsible, m.VillageResponsible, m.Deadline)).ToList()))
                .ToList(),
            Rectification.Workflow.Time.ShanghaiTime.ToLocal(plan.UpdatedAt),
            plan.UpdatedByName);
}
