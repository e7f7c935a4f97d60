using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Diagrams;

namespace Rectification.Server.Features.Workflows;

/// <summary>Read access to the flows: list, one flow's definition and versions, and its diagram.</summary>
public static class WorkflowEndpoints
{
    /// <summary>A version: its number, its scope (0 = the defaults, else the county id) and where it came from.</summary>
    public sealed record VersionInfo(int Version, int ScopeId, string Source, string? PublishedBy, DateTimeOffset LoadedAt);

    public sealed record FlowSummary(string Key, string Name, int LatestVersion, IReadOnlyList<VersionInfo> Versions);

    public sealed record FieldView(string Key, string Name, string Type);

    public sealed record RouteView(string If, string Then);

    /// <summary>An action; <see cref="To"/> is where it leads when no route's condition holds.</summary>
    public sealed record ActionView(string Key, string Name, IReadOnlyList<string> Roles, string To, IReadOnlyList<RouteView> Routes,
        IReadOnlyList<FieldView> Fields, IReadOnlyList<string> Guards);

    public sealed record ChecklistView(string Key, string Name, string Role);

    public sealed record TimerView(string Key, string Name, string After, string To);

    public sealed record StageView(string Key, string Name, IReadOnlyList<string> Roles, bool Terminal, string? Deadline,
        IReadOnlyList<ActionView> Actions, IReadOnlyList<ChecklistView> Checklist, IReadOnlyList<TimerView> Timers);

    public sealed record FlowView(string Key, string Name, int Version, int ScopeId, string Start, IReadOnlyList<StageView> Stages,
        IReadOnlyList<VersionInfo> Versions, string Yaml);

    public static IServiceCollection AddWorkflows(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(configuration.GetSection(WorkflowOptions.Section).Get<WorkflowOptions>() ?? new WorkflowOptions())
            .AddSingleton<FlowCatalog>()
            .AddScoped<SaveDraft.Handler>()
            .AddScoped<PublishDraft.Handler>()
            .AddScoped<MigrateCases.Handler>();

    public static IEndpointRouteBuilder MapWorkflowEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workflows").WithTags("Workflows");
        group.MapGet("/", (HttpContext http, FlowCatalog catalog) =>
            {
                var user = http.GetCurrentUser();
                return TypedResults.Ok(catalog.Keys
                    .Select(key => (Key: key, Versions: catalog.Versions(key).Where(v => FlowScope.CanSee(user, v.ScopeId)).ToList()))
                    .Where(flow => flow.Versions.Count > 0) // another county's own flow does not exist for this caller
                    .Select(flow =>
                    {
                        var effective = catalog.LatestFor(flow.Key, user.CountyId) ?? flow.Versions[^1];
                        return new FlowSummary(flow.Key, effective.Definition.Name, effective.Version, flow.Versions.Select(Info).ToList());
                    }).ToList());
            })
            .WithSummary("Every flow with the versions the caller may see; latestVersion is the one in force for the caller's county.");

        group.MapGet("/{key}", (string key, int? version, HttpContext http, FlowCatalog catalog) =>
                Find(catalog, http.GetCurrentUser(), key, version).ToHttp(flow => TypedResults.Ok(View(flow, catalog, http.GetCurrentUser()))))
            .WithSummary("One flow's definition (the version in force for the caller's county, or ?version=N) and its versions.")
            .Produces<FlowView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{key}/history", async (string key, HttpContext http, AppDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await GetFlowHistory.HandleAsync(db, http.GetCurrentUser(), key, ct)))
            .WithSummary("The flow's history: versions loaded, publishes with what changed, migrations of running cases.")
            .Produces<IReadOnlyList<GetFlowHistory.Entry>>();

        group.MapGet("/{key}/diagram", async (string key, int? version, int? caseId, string? format, HttpContext http, FlowCatalog catalog,
                CaseStore cases, CancellationToken ct) =>
            {
                var user = http.GetCurrentUser();
                string? highlight = null;
                if (caseId is { } id)
                {
                    var @case = await cases.FindAsync(user, id, ct);
                    if (@case is null)
                    {
                        return Problem.NotFound($"No case {id}.").ToProblemResult();
                    }

                    var flowOfCase = catalog.Get(@case.FlowVersionId);
                    if (flowOfCase.Key != key)
                    {
                        return Problem.NotFound($"Case {id} is not on flow '{key}'.").ToProblemResult();
                    }

                    version ??= flowOfCase.Version;
                    highlight = @case.Stage;
                }

                if (format is not (null or "mermaid" or "svg"))
                {
                    return Problem.Invalid("format", "Use mermaid (the default) or svg.").ToProblemResult();
                }

                return Find(catalog, user, key, version).ToHttp(flow => format == "svg"
                    ? TypedResults.Text(SvgDiagram.Write(flow.Definition, highlight), "image/svg+xml; charset=utf-8")
                    : TypedResults.Text(MermaidDiagram.Write(flow.Definition, highlight), "text/plain; charset=utf-8"));
            })
            .WithSummary("The flow as Mermaid text (stateDiagram-v2), or ?format=svg drawn by the service; ?caseId= highlights the case's stage.")
            .Produces<string>(contentType: "text/plain")
            .Produces<string>(contentType: "image/svg+xml")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/validate", async (HttpRequest request, CancellationToken ct) =>
            {
                var upload = await FlowUpload.ReadAsync(request, ct);
                return upload.ToHttp(yaml => TypedResults.Ok(SaveDraft.Validate(yaml)));
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .Accepts<string>("application/yaml", "text/yaml", "text/plain")
            .WithBodyLimit(FlowReader.MaxBytes)
            .WithSummary("Check a flow file (YAML body) without saving it: errors and warnings by line, column and field.")
            .Produces<SaveDraft.ValidationReport>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapPost("/", async (HttpRequest request, HttpContext http, SaveDraft.Handler handler, CancellationToken ct) =>
            {
                var upload = await FlowUpload.ReadAsync(request, ct);
                if (!upload.Succeeded)
                {
                    return upload.Problem.ToProblemResult();
                }

                var saved = await handler.HandleAsync(http.GetCurrentUser(), upload.Value, ct);
                return saved.ToHttp(r => r.Created
                    ? TypedResults.Created($"/api/v1/workflows/{r.Draft.Key}/drafts/{r.Draft.Id}", r.Draft)
                    : TypedResults.Ok(r.Draft));
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .Accepts<string>("application/yaml", "text/yaml", "text/plain")
            .WithBodyLimit(FlowReader.MaxBytes)
            .WithSummary("Create or replace the draft of a flow (YAML body) in the caller's scope: their county, or the defaults for the city.")
            .Produces<DraftView>()
            .Produces<DraftView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/drafts", async (HttpContext http, AppDbContext db, CancellationToken ct) =>
            {
                var scope = FlowScope.EditedBy(http.GetCurrentUser());
                if (!scope.Succeeded)
                {
                    return scope.Problem.ToProblemResult();
                }

                var drafts = await db.FlowDrafts.AsNoTracking().Where(d => d.ScopeId == scope.Value).OrderBy(d => d.Key).ToListAsync(ct);
                return TypedResults.Ok(drafts.Select(d => SaveDraft.View(d)).ToList());
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("The drafts of the caller's scope.")
            .Produces<IReadOnlyList<DraftView>>();

        group.MapGet("/{key}/drafts/{draft:int}", async (string key, int draft, HttpContext http, AppDbContext db, CancellationToken ct) =>
            {
                var scope = FlowScope.EditedBy(http.GetCurrentUser());
                var found = scope.Succeeded
                    ? await db.FlowDrafts.AsNoTracking().SingleOrDefaultAsync(d => d.Id == draft && d.Key == key && d.ScopeId == scope.Value, ct)
                    : null;
                return found is null ? Problem.NotFound($"No draft {draft} of flow '{key}' in your scope.").ToProblemResult() : TypedResults.Ok(SaveDraft.View(found));
            })
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("One draft with its validation.")
            .Produces<DraftView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{key}/drafts/{draft:int}/publish", async (string key, int draft, HttpContext http, PublishDraft.Handler handler,
                CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), key, draft, ct))
                .ToHttp(r => TypedResults.Created($"/api/v1/workflows/{r.Key}?version={r.Version}", r)))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Publish a draft as the next immutable version in its scope; the answer lists what changed. 409 when another publish won.")
            .Produces<PublishDraft.Response>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{key}/migrations", async (string key, MigrateCases.Request request, HttpContext http, MigrateCases.Handler handler,
                CancellationToken ct) =>
                (await handler.HandleAsync(http.GetCurrentUser(), key, request, ct)).ToHttp(r => TypedResults.Ok(r)))
            .RequireAuthorization(p => p.RequireRole(Roles.CountyAdmin))
            .WithSummary("Move running cases from fromVersion to toVersion by a stage mapping; dryRun (default true) only reports, per case.")
            .Produces<MigrateCases.Response>()
            .ProducesValidationProblem();
        return app;
    }

    private static Result<LoadedFlow> Find(FlowCatalog catalog, CurrentUser user, string key, int? version)
    {
        // Without a version: the one in force for the caller's county, else (a county's own flow seen from the city)
        // the newest the caller may see.
        var flow = version is null
            ? catalog.LatestFor(key, user.CountyId) ?? catalog.Versions(key).LastOrDefault(v => FlowScope.CanSee(user, v.ScopeId))
            : catalog.Versions(key).FirstOrDefault(v => v.Version == version && FlowScope.CanSee(user, v.ScopeId));
        return flow is null ? Problem.NotFound(version is null ? $"No flow '{key}'." : $"Flow '{key}' has no version {version}.") : flow;
    }

    private static VersionInfo Info(LoadedFlow flow) =>
        new(flow.Version, flow.ScopeId, flow.Source, flow.PublishedBy, Rectification.Workflow.Time.ShanghaiTime.ToLocal(flow.LoadedAt));

    private static FlowView View(LoadedFlow flow, FlowCatalog catalog, CurrentUser user)
    {
        var d = flow.Definition;
        return new FlowView(d.Key, d.Name, flow.Version, flow.ScopeId, d.Start,
            d.Stages.Select(s => new StageView(s.Key, s.Name, s.Roles, s.Terminal, s.Deadline?.ToString(),
                s.Actions.Select(a => new ActionView(a.Key, a.Name, a.Roles, a.To,
                    a.Routes.Select(r => new RouteView(r.ConditionText, r.To)).ToList(),
                    a.Fields.Select(f => new FieldView(f.Key, f.Name, f.Type.ToString().ToLowerInvariant())).ToList(),
                    a.Guards.Select(FlowDiff.Describe).ToList())).ToList(),
                s.Checklist.Select(c => new ChecklistView(c.Key, c.Name, c.Role)).ToList(),
                s.Timers.Select(t => new TimerView(t.Key, t.Name, t.After.ToString(), t.To)).ToList())).ToList(),
            catalog.Versions(flow.Key).Where(v => FlowScope.CanSee(user, v.ScopeId)).Select(Info).ToList(),
            flow.Yaml);
    }
}
