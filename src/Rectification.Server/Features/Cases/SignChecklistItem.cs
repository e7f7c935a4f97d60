using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Cases;

/// <summary>The role named on a checklist item of the current stage signs it (e.g. 村级自评 by the township secretary).</summary>
public static class SignChecklistItem
{
    public sealed record Request(string? Comment);

    public sealed class Handler(CaseStore store, FlowCatalog flows, CaseTransitions transitions, TimeProvider clock)
    {
        public async Task<Result<Case>> HandleAsync(CurrentUser actor, int caseId, string itemKey, int? expectedVersion, Request request,
            CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            var flow = flows.Get(@case.FlowVersionId).Definition;
            var item = flow.GetStage(@case.Stage).Checklist.FirstOrDefault(i => i.Key == itemKey);
            if (item is null)
            {
                return flow.Stages.Any(s => s.Checklist.Any(i => i.Key == itemKey))
                    ? Problem.Conflict($"Checklist item '{itemKey}' does not belong to the current stage '{@case.Stage}'.")
                    : Problem.NotFound($"The flow '{flow.Key}' has no checklist item '{itemKey}'.");
            }

            if (actor.IsReadOnly || !actor.Has(item.Role))
            {
                return Problem.Forbidden($"'{item.Name}' is signed by {item.Role} ({Roles.All[item.Role]}).");
            }

            if (Preconditions.Check(expectedVersion, @case.Version, request.Comment) is { } refused)
            {
                return refused;
            }

            if (@case.Signatures.Any(s => s.StageVisit == @case.StageVisit && s.Item == itemKey))
            {
                return Problem.Conflict($"'{item.Name}' is already signed.");
            }

            var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
            @case.Signatures.Add(new ChecklistSignature
            {
                StageVisit = @case.StageVisit,
                Stage = @case.Stage,
                Item = itemKey,
                SignedById = actor.Id,
                SignedByName = actor.DisplayName,
                SignedAt = clock.GetUtcNow(),
                Comment = comment,
            });
            transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "sign", itemKey, comment);
            await store.SaveAsync(cancellationToken);
            return @case;
        }
    }
}
