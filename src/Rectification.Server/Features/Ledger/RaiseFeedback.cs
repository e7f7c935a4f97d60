using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Ledger;

/// <summary>An inspector raises a feedback form (整改问题反馈单) on a case after a visit: each problem found becomes a
/// ledger item with a responsible person and a deadline, to be reported and ticked off like any measure.</summary>
public static class RaiseFeedback
{
    public sealed record ProblemInput(string? Problem, string? Measure, IReadOnlyList<string>? Situations, string? TownshipResponsible,
        string? VillageResponsible, string? Deadline);

    public sealed record Request(string? Visit, IReadOnlyList<ProblemInput>? Problems);

    public sealed class Handler(CaseStore store, CaseTransitions transitions, TimeProvider clock)
    {
        public async Task<Result<IReadOnlyList<LedgerItem>>> HandleAsync(CurrentUser actor, int caseId, Request request, CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            if (actor.IsReadOnly || !actor.Has(Roles.Inspector))
            {
                return Problem.Forbidden("Feedback forms are raised by inspectors (督导组).");
            }

            if (@case.EndedAt is not null)
            {
                return Problem.Conflict("The case is closed.");
            }

            var errors = new Dictionary<string, string[]>();
            if (request.Visit is { Length: > 500 })
            {
                errors["visit"] = ["At most 500 characters."];
            }

            if (request.Problems is not { Count: > 0 and <= 50 } problems)
            {
                errors["problems"] = ["Between 1 and 50 problems found on the visit."];
                return Problem.Validation(errors);
            }

            var caseSituations = @case.Situations.Select(s => s.Code).ToHashSet();
            for (var i = 0; i < problems.Count; i++)
            {
                var p = problems[i];
                var path = $"problems[{i}]";
                if (p is null)
                {
                    errors[path] = ["Required."];
                    continue;
                }

                Problem.RequireText(errors, $"{path}.problem", p.Problem, 1000);
                Problem.RequireText(errors, $"{path}.measure", p.Measure, 1000);
                Problem.RequireText(errors, $"{path}.townshipResponsible", p.TownshipResponsible, 100);
                Problem.RequireText(errors, $"{path}.villageResponsible", p.VillageResponsible, 100);
                if (!ShanghaiTime.TryParseDay(p.Deadline, out var deadline))
                {
                    errors[$"{path}.deadline"] = ["Required: a date as yyyy-MM-dd."];
                }
                else if (ShanghaiTime.EndOfDay(deadline) < clock.GetUtcNow())
                {
                    errors[$"{path}.deadline"] = ["The deadline has already passed."];
                }

                for (var j = 0; j < (p.Situations?.Count ?? 0); j++)
                {
                    if (p.Situations![j] is not { } code || !caseSituations.Contains(code))
                    {
                        errors[$"{path}.situations[{j}]"] = [$"'{p.Situations[j]}' is not a situation this case was listed for."];
                    }
                }
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var now = clock.GetUtcNow();
            var items = problems.Select(p => new LedgerItem
            {
                CaseId = @case.Id,
                CountyId = @case.CountyId,
                TownshipId = @case.TownshipId,
                VillageId = @case.VillageId,
                Source = LedgerSource.Feedback,
                Problem = p.Problem!.Trim(),
                Measure = p.Measure!.Trim(),
                Target = "督导反馈问题整改到位",
                TownshipResponsible = p.TownshipResponsible!.Trim(),
                VillageResponsible = p.VillageResponsible!.Trim(),
                Deadline = ShanghaiTime.EndOfDay(ShanghaiTime.ParseDay(p.Deadline!)),
                Status = LedgerStatus.Open,
                CreatedAt = now,
                Situations = (p.Situations ?? []).Distinct().Select(code => new LedgerItemSituation { Code = code }).ToList(),
            }).ToList();
            store.Db.LedgerItems.AddRange(items);
            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "ledger", "feedback",
                $"反馈单：{(string.IsNullOrWhiteSpace(request.Visit) ? "" : request.Visit.Trim() + "，")}{items.Count} 个问题");
            await store.SaveAsync(cancellationToken);
            return items;
        }
    }
}
