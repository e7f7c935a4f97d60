using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Guards;

namespace Rectification.Server.Features.Cases;

/// <summary>A user takes an action of the case's current stage: role, scope, version and guards are checked,
/// then the case moves and its history grows, in one transaction.</summary>
public static class TakeAction
{
    public sealed record Request(string? Comment, Dictionary<string, string?>? Fields);

    /// <summary>The case after the action, and the plan and ledger facts it holds now when the action left them as they
    /// were (null when its effects changed them), so the answer's actions need not read them again.</summary>
    public sealed record Taken(Case Case, LedgerFacts? Facts);

    public sealed class Handler(CaseStore store, FlowCatalog flows, CaseTransitions transitions, Ledger.CaseLedger ledger)
    {
        public async Task<Result<Taken>> HandleAsync(CurrentUser actor, int caseId, string actionKey, int? expectedVersion, Request request,
            CancellationToken cancellationToken)
        {
            var @case = await store.FindAsync(actor, caseId, cancellationToken);
            if (@case is null)
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            var flow = flows.Get(@case.FlowVersionId).Definition;
            var definitions = flow.Stages.SelectMany(s => s.Actions).Where(a => a.Key == actionKey).ToList();
            if (definitions.Count == 0)
            {
                return Problem.NotFound($"The flow '{flow.Key}' has no action '{actionKey}'.");
            }

            var current = flow.GetStage(@case.Stage).FindAction(actionKey);
            var roles = (current is null ? definitions.SelectMany(a => a.Roles) : current.Roles).Distinct().ToList();
            if (actor.IsReadOnly || !roles.Any(actor.Has))
            {
                return Problem.Forbidden($"Action '{actionKey}' is taken by {string.Join(", ", roles)}; you hold {string.Join(", ", actor.Roles)}.");
            }

            if (Preconditions.Check(expectedVersion, @case.Version, request.Comment) is { } refused)
            {
                return refused;
            }

            if (@case.SuspendedAt is not null)
            {
                return Problem.Conflict("The case is suspended; the county resumes it first.");
            }

            var state = CaseViews.StateOf(@case) with { Ledger = await ledger.FactsAsync(@case, cancellationToken) };
            var input = new ActionInput(request.Comment, request.Fields ?? []);
            switch (FlowEngine.Decide(flow, state, actionKey, actor.Roles, input))
            {
                case ActionDecision.NotAvailable notAvailable:
                    return new Problem(StatusCodes.Status409Conflict, "Action not available",
                        $"The case is in stage '{notAvailable.Stage}' ({flow.GetStage(notAvailable.Stage).Name}), where '{actionKey}' cannot be taken.",
                        Extensions: new Dictionary<string, object?> { ["stage"] = notAvailable.Stage });
                case ActionDecision.Forbidden forbidden:
                    return Problem.Forbidden($"Action '{actionKey}' is taken by {string.Join(", ", forbidden.AllowedRoles)}.");
                case ActionDecision.InvalidInput invalid:
                    return Problem.Validation(invalid.Errors);
                case ActionDecision.Blocked blocked:
                    return new Problem(StatusCodes.Status422UnprocessableEntity, "Conditions not met",
                        string.Join(" ", blocked.Unmet.Select(u => u.Message)),
                        Extensions: new Dictionary<string, object?> { ["unmet"] = blocked.Unmet });
                case ActionDecision.Allowed allowed:
                    var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
                    await ledger.ApplyEffectsAsync(@case, allowed.Action, comment, actor.DisplayName, cancellationToken);
                    transitions.Move(@case, allowed.To, new Actor(actor.Id, actor.DisplayName, actor.UserName), "action", actionKey, comment, allowed.Changes);
                    await store.SaveAsync(cancellationToken);
                    // Saved against the version the facts were read at, so nothing changed them meanwhile (every change to
                    // a plan or ledger bumps the case's version). The move began a new visit, which has no acceptance yet.
                    return new Taken(@case, allowed.Action.Effects.Count == 0 ? state.Ledger! with { Acceptance = null } : null);
                default:
                    throw new InvalidOperationException("Unknown decision.");
            }
        }
    }
}
