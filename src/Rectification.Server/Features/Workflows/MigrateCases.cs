using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Workflows;

/// <summary>Moves running cases from one version of a flow to another by a stage mapping. A dry run reports, per case,
/// what would happen; executing does exactly that, one transaction per case, recording it in each case's history.
/// Completed history is never touched and no step is re-run: only the case's version, stage and clocks change.</summary>
public static class MigrateCases
{
    public sealed record Request(int? FromVersion, int? ToVersion, Dictionary<string, string>? Stages, bool? DryRun, IReadOnlyList<int>? CaseIds);

    /// <summary>What happens to one case: moved (or would be), left alone for want of a mapping, or skipped because it changed meanwhile.</summary>
    public sealed record CaseReport(
        int CaseId,
        string Village,
        string Status,
        string FromStage,
        string? ToStage,
        DateTimeOffset? DeadlineBefore,
        DateTimeOffset? DeadlineAfter,
        IReadOnlyList<string> SignaturesKept,
        IReadOnlyList<string> SignaturesDropped);

    public sealed record Response(string Key, int FromVersion, int ToVersion, bool DryRun, int Moved, int Unmapped, IReadOnlyList<CaseReport> Cases);

    public sealed class Handler(CaseStore store, FlowCatalog catalog, CaseTransitions transitions, IWorkingCalendar calendar, TimeProvider clock,
        ILogger<Handler> logger)
    {
        public async Task<Result<Response>> HandleAsync(CurrentUser actor, string key, Request request, CancellationToken cancellationToken)
        {
            var errors = new Dictionary<string, string[]>();
            var from = request.FromVersion is { } f ? catalog.Versions(key).FirstOrDefault(v => v.Version == f) : null;
            var to = request.ToVersion is { } t ? catalog.Versions(key).FirstOrDefault(v => v.Version == t) : null;
            if (from is null || !FlowScope.CanSee(actor, from.ScopeId))
            {
                errors["fromVersion"] = [$"Flow '{key}' has no version {request.FromVersion} you can see."];
            }

            if (to is null || !FlowScope.CanSee(actor, to.ScopeId))
            {
                errors["toVersion"] = [$"Flow '{key}' has no version {request.ToVersion} you can see."];
            }
            else if (from is not null && to.Id == from.Id)
            {
                errors["toVersion"] = ["Must differ from fromVersion."];
            }

            var mapping = request.Stages ?? [];
            if (mapping.Count == 0)
            {
                errors["stages"] = ["Map at least one stage of the old version to a stage of the new one, e.g. {\"planning\": \"planning\"}."];
            }

            foreach (var (old, @new) in mapping)
            {
                if (string.IsNullOrWhiteSpace(@new))
                {
                    errors[$"stages.{old}"] = ["Name the stage of the new version this stage maps to."];
                }
                else if (from is not null && from.Definition.FindStage(old) is null)
                {
                    errors[$"stages.{old}"] = [$"Version {from.Version} has no stage '{old}'."];
                }
                else if (to is not null && to.Definition.FindStage(@new) is null)
                {
                    errors[$"stages.{old}"] = [$"Version {to.Version} has no stage '{@new}'."];
                }
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var cases = store.VisibleTo(actor).Where(c => c.FlowVersionId == from!.Id && c.EndedAt == null);
            if (to!.ScopeId != 0)
            {
                // A county's own version applies to that county's cases only.
                cases = cases.Where(c => c.CountyId == to.ScopeId);
            }

            if (request.CaseIds is { Count: 0 })
            {
                return Problem.Invalid("caseIds", "Leave caseIds out to select every case on fromVersion, or list at least one.");
            }

            if (request.CaseIds is { } ids)
            {
                cases = cases.Where(c => ids.Contains(c.Id));
            }

            var selected = await cases.Include(c => c.Signatures).AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancellationToken);
            var villages = await store.Db.OrgUnits.AsNoTracking().Where(o => selected.Select(c => c.VillageId).Contains(o.Id))
                .ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
            var dryRun = request.DryRun ?? true;
            var reports = new List<CaseReport>();
            // Cases asked for by id that are not on fromVersion, not open, or not the caller's are reported, not skipped silently.
            foreach (var missing in (request.CaseIds ?? []).Except(selected.Select(c => c.Id)).Distinct())
            {
                reports.Add(new CaseReport(missing, "", "not-found", "", null, null, null, [], []));
            }

            try
            {
                foreach (var @case in selected)
                {
                    var plan = Plan(@case, villages[@case.VillageId], from!, to, mapping);
                    if (dryRun || plan.ToStage is null)
                    {
                        reports.Add(plan with { Status = plan.ToStage is null ? "unmapped" : "would-move" });
                        continue;
                    }

                    reports.Add(await ExecuteAsync(actor, plan, @case.Version, from!, to, cancellationToken));
                }
            }
            finally
            {
                if (!dryRun)
                {
                    await RecordAsync(actor, key, from!, to, mapping, reports);
                }
            }

            return new Response(key, from!.Version, to.Version, dryRun, reports.Count(r => r.Status is "moved" or "would-move"),
                reports.Count(r => r.Status == "unmapped"), reports);
        }

        // Recorded even when a request is cut short, so the moves that happened are on the flow's history; the scope is
        // the caller's county, so other counties do not see it.
        private async Task RecordAsync(CurrentUser actor, string key, LoadedFlow from, LoadedFlow to, Dictionary<string, string> mapping,
            List<CaseReport> reports)
        {
            store.Db.ChangeTracker.Clear();
            store.Db.AuditEvents.Add(new AuditEvent
            {
                At = clock.GetUtcNow(),
                ActorId = actor.Id,
                ActorName = actor.DisplayName,
                Kind = "flow-migration",
                Subject = $"workflow/{key}/{from.Version}->{to.Version}",
                Detail = JsonSerializer.Serialize(new
                {
                    scopeId = actor.CountyId ?? 0,
                    mapping,
                    moved = reports.Where(r => r.Status == "moved").Select(r => r.CaseId),
                }),
            });
            await store.Db.SaveChangesAsync(CancellationToken.None);
            logger.LogInformation("Migration of {FlowKey} {From} -> {To} by {User}: {Moved} moved", key, from.Version, to.Version, actor.UserName,
                reports.Count(r => r.Status == "moved"));
        }

        /// <summary>What migrating one case means; both the dry run and the execution use it, so they agree.</summary>
        private CaseReport Plan(Case @case, string village, LoadedFlow from, LoadedFlow to, Dictionary<string, string> mapping)
        {
            var deadline = @case.StageDeadline is { } d ? ShanghaiTime.ToLocal(d) : (DateTimeOffset?)null;
            var signatures = @case.Signatures.Where(s => s.StageVisit == @case.StageVisit).Select(s => s.Item).Order(StringComparer.Ordinal).ToList();
            if (!mapping.TryGetValue(@case.Stage, out var target))
            {
                return new CaseReport(@case.Id, village, "unmapped", @case.Stage, null, deadline, null, [], signatures);
            }

            var oldStage = from.Definition.GetStage(@case.Stage);
            var newStage = to.Definition.GetStage(target);
            // A signature carries over only to the same item signed by the same role in the new stage.
            var kept = signatures.Where(item =>
                newStage.Checklist.Any(n => n.Key == item && oldStage.Checklist.Any(o => o.Key == item && o.Role == n.Role))).ToList();
            var newDeadline = newStage.Deadline?.DueFrom(@case.StageEnteredAt, calendar) is { } nd ? ShanghaiTime.ToLocal(nd) : (DateTimeOffset?)null;
            return new CaseReport(@case.Id, village, "would-move", @case.Stage, target, deadline, newDeadline, kept, signatures.Except(kept).ToList());
        }

        private async Task<CaseReport> ExecuteAsync(CurrentUser actor, CaseReport plan, int plannedVersion, LoadedFlow from, LoadedFlow to,
            CancellationToken cancellationToken)
        {
            store.Db.ChangeTracker.Clear();
            var @case = await store.FindAsync(actor, plan.CaseId, cancellationToken);
            if (@case is null || @case.Version != plannedVersion || @case.FlowVersionId != from.Id)
            {
                return plan with { Status = "conflict" };
            }

            var changes = new List<FieldChange> { new("flowVersion", from.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), to.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            if (plan.SignaturesDropped.Count > 0)
            {
                changes.Add(new FieldChange("signatures", string.Join(", ", plan.SignaturesKept.Concat(plan.SignaturesDropped)), string.Join(", ", plan.SignaturesKept)));
            }

            transitions.Migrate(@case, to, to.Definition.GetStage(plan.ToStage!), new Actor(actor.Id, actor.DisplayName, actor.UserName), plan.SignaturesKept,
                $"流程迁移：{from.Key} 第 {from.Version} 版 → 第 {to.Version} 版", changes);
            try
            {
                await store.SaveAsync(cancellationToken);
            }
            catch (DbUpdateException ex)
            {
                // Changed by someone else meanwhile (version check, or the history index), or the database was busy:
                // this case stays where it is and the migration goes on with the next.
                logger.LogWarning(ex, "Case {CaseId} not migrated: it changed meanwhile", plan.CaseId);
                return plan with { Status = "conflict" };
            }

            logger.LogInformation("Case {CaseId} migrated to {FlowKey} version {Version}: {FromStage} -> {ToStage} ({User})",
                plan.CaseId, to.Key, to.Version, plan.FromStage, plan.ToStage, actor.UserName);
            return plan with { Status = "moved" };
        }
    }
}
