using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Acceptance;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Accountability;

/// <summary>An accountability action as the API shows it.</summary>
public sealed record AccountabilityView(int Id, int CaseId, string Person, string Kind, string Ground, string? Note, IReadOnlyList<int> Items,
    string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>Someone the service suggests the county look at; the county decides.</summary>
public sealed record Candidate(int CaseId, string Person, string Reason, IReadOnlyList<int> Items);

/// <summary>Accountability (责任追究): recorded by the county, listed within scope, with candidates proposed from the ledger
/// (items long overdue) and from acceptance (failed).</summary>
public static class AccountabilityEndpoints
{
    public static readonly IReadOnlyList<string> Kinds = ["约谈", "通报", "调整", "问责"];

    public static readonly IReadOnlyList<string> Grounds = ["措施制定不实", "推进工作不力", "整顿目标不明确", "检验结果不合格"];

    /// <summary>How long past its deadline an open item must be before its responsible persons are proposed.</summary>
    public static readonly TimeSpan LongOverdue = TimeSpan.FromDays(30);

    public sealed record Request(int? CaseId, string? Person, string? Kind, string? Ground, IReadOnlyList<int>? Items, string? Note);

    public static IEndpointRouteBuilder MapAccountabilityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/accountability").WithTags("Accountability");
        group.MapGet("/", async (int? caseId, HttpContext http, CaseStore store, CancellationToken ct) =>
            {
                var cases = store.VisibleTo(http.GetCurrentUser()).Select(c => c.Id);
                var actions = await store.Db.Set<AccountabilityAction>().AsNoTracking()
                    .Where(a => cases.Contains(a.CaseId) && (caseId == null || a.CaseId == caseId)).OrderBy(a => a.Id).ToListAsync(ct);
                return TypedResults.Ok(actions.Select(View).ToList());
            })
            .WithSummary("Accountability actions in the caller's area (optionally for one case).")
            .Produces<IReadOnlyList<AccountabilityView>>();

        group.MapGet("/candidates", async (HttpContext http, CaseStore store, TimeProvider clock, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                if (!user.Has(Roles.CountyAdmin) && !user.Has(Roles.CityViewer))
                {
                    return Problem.Forbidden("Candidates are for the county organisation department.").ToProblemResult();
                }

                var cases = store.VisibleTo(user).Select(c => c.Id);
                var cutoff = clock.GetUtcNow() - LongOverdue;
                var overdue = await store.Db.LedgerItems.AsNoTracking()
                    .Where(i => cases.Contains(i.CaseId) && i.Status != LedgerStatus.Closed && i.Deadline < cutoff)
                    .Select(i => new { i.Id, i.CaseId, i.TownshipResponsible, i.VillageResponsible }).ToListAsync(ct);
                var candidates = overdue
                    .SelectMany(i => new[] { (i.CaseId, Person: i.TownshipResponsible, i.Id), (i.CaseId, Person: i.VillageResponsible, i.Id) })
                    .GroupBy(x => (x.CaseId, x.Person))
                    .Select(g => new Candidate(g.Key.CaseId, g.Key.Person, "推进工作不力：事项逾期超过 30 天未完成", g.Select(x => x.Id).Order().ToList()))
                    .ToList();
                var failed = (await store.Db.Set<AcceptanceRecord>().AsNoTracking().Where(a => cases.Contains(a.CaseId))
                        .Select(a => new { a.CaseId, a.StageVisit, a.Passed }).ToListAsync(ct))
                    .GroupBy(a => a.CaseId).Where(g => !g.MaxBy(a => a.StageVisit)!.Passed).Select(g => g.Key).ToList();
                var secretaries = await store.Db.Cases.AsNoTracking().Where(c => failed.Contains(c.Id))
                    .Select(c => new { c.Id, Leader = c.Fields.Where(f => f.Key == "townshipMember").Select(f => f.Value).FirstOrDefault() }).ToListAsync(ct);
                candidates.AddRange(secretaries.Select(c => new Candidate(c.Id, c.Leader ?? "乡镇党委书记", "检验结果不合格：验收未通过", [])));
                return TypedResults.Ok(candidates.OrderBy(c => c.CaseId).ThenBy(c => c.Person, StringComparer.Ordinal).ToList());
            })
            .WithSummary("People the county may want to hold to account: responsible for items over 30 days overdue, or for cases that failed acceptance. Nothing is recorded.")
            .Produces<IReadOnlyList<Candidate>>();

        group.MapPost("/", async (Request request, HttpContext http, CaseStore store, CaseTransitions transitions, TimeProvider clock, CancellationToken ct) =>
            {
                var actor = http.GetCurrentUser();
                var errors = new Dictionary<string, string[]>();
                if (request.CaseId is null)
                {
                    errors["caseId"] = ["Required."];
                }

                if (string.IsNullOrWhiteSpace(request.Person) || request.Person.Trim().Length > 100)
                {
                    errors["person"] = ["Required: the responsible person, at most 100 characters."];
                }

                if (request.Kind is null || !Kinds.Contains(request.Kind))
                {
                    errors["kind"] = [$"One of {string.Join("、", Kinds)}."];
                }

                if (request.Ground is null || !Grounds.Contains(request.Ground))
                {
                    errors["ground"] = [$"One of {string.Join("、", Grounds)}."];
                }

                if (request.Note is { Length: > 2000 })
                {
                    errors["note"] = ["At most 2000 characters."];
                }

                if (errors.Count > 0)
                {
                    return Problem.Validation(errors).ToProblemResult();
                }

                var @case = await store.FindAsync(actor, request.CaseId!.Value, ct);
                if (@case is null)
                {
                    return Problem.NotFound($"No case {request.CaseId}.").ToProblemResult();
                }

                var items = (request.Items ?? []).Distinct().ToList();
                var known = await store.Db.LedgerItems.Where(i => i.CaseId == @case.Id && items.Contains(i.Id)).Select(i => i.Id).ToListAsync(ct);
                var unknown = items.Except(known).ToList();
                if (unknown.Count > 0)
                {
                    return Problem.Invalid("items", $"Ledger item {unknown[0]} is not an item of case {@case.Id}.").ToProblemResult();
                }

                var action = new AccountabilityAction
                {
                    CaseId = @case.Id,
                    CountyId = @case.CountyId,
                    TownshipId = @case.TownshipId,
                    Person = request.Person!.Trim(),
                    Kind = request.Kind!,
                    Ground = request.Ground!,
                    Note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim(),
                    Items = string.Join(',', items.Order()),
                    RecordedByName = actor.DisplayName,
                    RecordedAt = clock.GetUtcNow(),
                };
                store.Db.Add(action);
                transitions.Record(@case, new Actor(actor.Id, actor.DisplayName, actor.UserName), "accountability", "record-accountability",
                    $"{action.Kind}：{action.Person}（{action.Ground}）{action.Note}");
                await store.SaveAsync(ct);
                return TypedResults.Created($"/api/v1/accountability?caseId={@case.Id}", View(action));
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Record an accountability action (约谈/通报/调整/问责) against a responsible person, on a case and the items concerned (county admin).")
            .Produces<AccountabilityView>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        return app;
    }

    public static AccountabilityView View(AccountabilityAction a) => new(a.Id, a.CaseId, a.Person, a.Kind, a.Ground, a.Note,
        a.Items.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToList(), a.RecordedByName,
        ShanghaiTime.ToLocal(a.RecordedAt));
}
