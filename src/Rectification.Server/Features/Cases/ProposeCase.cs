using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Situations;

namespace Rectification.Server.Features.Cases;

/// <summary>A township secretary, inspector or county admin proposes a branch for the list (拟列入).</summary>
public static class ProposeCase
{
    public sealed record Request(int? VillageId, int? Year, IReadOnlyList<string>? Situations, string? Source, string? Note);

    /// <summary>The terminal stage of a case found not to be soft or lax; it does not count as a listing.</summary>
    public const string DismissedStage = "dismissed";

    public sealed class Handler(CaseStore store, OrgDirectory orgs, FlowCatalog flows, SituationCatalog catalog, CaseTransitions transitions,
        TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<Case>> HandleAsync(CurrentUser actor, Request request, CancellationToken cancellationToken)
        {
            if (!(actor.Has(Roles.TownshipSecretary) || actor.Has(Roles.Inspector) || actor.Has(Roles.CountyAdmin)))
            {
                return Problem.Forbidden("Only township secretaries, inspectors and county admins propose cases.");
            }

            var errors = new Dictionary<string, string[]>();
            var thisYear = ShanghaiYear();
            if (request.VillageId is null)
            {
                errors["villageId"] = ["Required."];
            }

            if (request.Year is null)
            {
                errors["year"] = ["Required."];
            }
            else if (request.Year < 2000 || request.Year > thisYear + 1)
            {
                errors["year"] = [$"Must be between 2000 and {thisYear + 1}."];
            }

            var situations = request.Situations ?? [];
            if (situations.Count == 0)
            {
                errors["situations"] = ["At least one situation code from GET /api/v1/situations."];
            }

            for (var i = 0; i < situations.Count; i++)
            {
                if (!catalog.Contains(situations[i] ?? ""))
                {
                    errors[$"situations[{i}]"] = [$"Unknown situation code '{situations[i]}'."];
                }
                else if (situations.Take(i).Contains(situations[i]))
                {
                    errors[$"situations[{i}]"] = [$"Situation '{situations[i]}' is listed twice."];
                }
            }

            CaseSource? source = request.Source switch
            {
                "township-report" => CaseSource.TownshipReport,
                "supervision-team" => CaseSource.SupervisionTeam,
                _ => null,
            };
            if (source is null)
            {
                errors["source"] = ["Required: township-report or supervision-team."];
            }

            if (request.Note is { Length: > 2000 })
            {
                errors["note"] = ["At most 2000 characters."];
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var village = await orgs.GetAsync(request.VillageId!.Value, cancellationToken);
            if (village is null || village.Level != OrgLevel.Village)
            {
                return Problem.Invalid("villageId", $"No village with id {request.VillageId}.");
            }

            if (!OrgDirectory.IsWithin(actor, village))
            {
                return Problem.Forbidden($"Village {village.Name} is outside your area; you may propose only for villages within it.");
            }

            var year = request.Year!.Value;
            if (await store.Db.Cases.AnyAsync(c => c.VillageId == village.Id && c.OpenYear == year, cancellationToken))
            {
                return Problem.Conflict($"{village.Name} already has an open case for {year}.");
            }

            var (city, county, township) = await orgs.AncestorsOfVillageAsync(village, cancellationToken);
            var earlier = await store.Db.Cases.CountAsync(c => c.VillageId == village.Id && c.Year < year && c.Stage != DismissedStage, cancellationToken);
            // The most specific published flow: the county's own if it has published one, else the default.
            var flow = flows.LatestFor(flows.DefaultFlowKey, county) ?? throw new InvalidOperationException("The default flow is not loaded.");
            var @case = new Case
            {
                VillageId = village.Id,
                TownshipId = township,
                CountyId = county,
                CityId = city,
                Year = year,
                TimesListed = earlier + 1,
                Source = source!.Value,
                Note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim(),
                Stage = flow.Definition.Start,
                Situations = situations.Select(code => new CaseSituation { Code = code }).ToList(),
            };
            transitions.Start(@case, flow, new Actor(actor.Id, actor.DisplayName, actor.UserName));
            store.Db.Cases.Add(@case);
            // Two proposals racing past the check above meet the unique index; the loser gets a 409 from the exception handler.
            await store.SaveAsync(cancellationToken);
            logger.LogInformation("Case {CaseId} proposed for {Village} {Year} in {Stage} by {User}", @case.Id, village.Name, year, @case.Stage, actor.UserName);
            return @case;
        }

        private int ShanghaiYear() => Workflow.Time.ShanghaiTime.DateOf(clock.GetUtcNow()).Year;
    }
}
