using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Diagrams;

namespace Rectification.Server.Features.Workflows;

/// <summary>Read access to the flows: list, one flow's definition and versions, and its diagram.</summary>
public static class WorkflowEndpoints
{
    public sealed record VersionInfo(int Version, string Source, DateTimeOffset LoadedAt);

    public sealed record FlowSummary(string Key, string Name, int LatestVersion, IReadOnlyList<VersionInfo> Versions);

    public sealed record FieldView(string Key, string Name, string Type);

    public sealed record ActionView(string Key, string Name, IReadOnlyList<string> Roles, string To, IReadOnlyList<FieldView> Fields, IReadOnlyList<string> Guards);

    public sealed record ChecklistView(string Key, string Name, string Role);

    public sealed record TimerView(string Key, string Name, string After, string To);

    public sealed record StageView(string Key, string Name, IReadOnlyList<string> Roles, bool Terminal, string? Deadline,
        IReadOnlyList<ActionView> Actions, IReadOnlyList<ChecklistView> Checklist, IReadOnlyList<TimerView> Timers);

    public sealed record FlowView(string Key, string Name, int Version, string Start, IReadOnlyList<StageView> Stages,
        IReadOnlyList<VersionInfo> Versions, string Yaml);

    public static IServiceCollection AddWorkflows(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(configuration.GetSection(WorkflowOptions.Section).Get<WorkflowOptions>() ?? new WorkflowOptions())
            .AddSingleton<FlowCatalog>();

    public static IEndpointRouteBuilder MapWorkflowEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workflows").WithTags("Workflows");
        group.MapGet("/", (FlowCatalog catalog) => TypedResults.Ok(catalog.Keys.Select(key =>
            {
                var versions = catalog.Versions(key);
                return new FlowSummary(key, catalog.Latest(key)!.Definition.Name, versions[^1].Version, versions.Select(Info).ToList());
            }).ToList()))
            .WithSummary("Every flow with its versions.");

        group.MapGet("/{key}", (string key, int? version, FlowCatalog catalog) =>
                Find(catalog, key, version).ToHttp(flow => TypedResults.Ok(View(flow, catalog))))
            .WithSummary("One flow's definition (latest, or ?version=N) and its versions.")
            .Produces<FlowView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{key}/diagram", async (string key, int? version, int? caseId, HttpContext http, FlowCatalog catalog, CaseStore cases,
                CancellationToken ct) =>
            {
                string? highlight = null;
                if (caseId is { } id)
                {
                    var @case = await cases.FindAsync(http.GetCurrentUser(), id, ct);
                    if (@case is null)
                    {
                        return Problem.NotFound($"No case {id}.").ToProblemResult();
                    }

                    version ??= catalog.Get(@case.FlowVersionId).Version;
                    highlight = @case.Stage;
                }

                return Find(catalog, key, version).ToHttp(flow => TypedResults.Text(MermaidDiagram.Write(flow.Definition, highlight), "text/plain; charset=utf-8"));
            })
            .WithSummary("The flow as Mermaid text (stateDiagram-v2); with ?caseId= the case's current stage is highlighted.")
            .Produces<string>(contentType: "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Result<LoadedFlow> Find(FlowCatalog catalog, string key, int? version)
    {
        var flow = version is null ? catalog.Latest(key) : catalog.Versions(key).FirstOrDefault(v => v.Version == version);
        return flow is null ? Problem.NotFound(version is null ? $"No flow '{key}'." : $"Flow '{key}' has no version {version}.") : flow;
    }

    private static VersionInfo Info(LoadedFlow flow) => new(flow.Version, flow.Source, Rectification.Workflow.Time.ShanghaiTime.ToLocal(flow.LoadedAt));

    private static FlowView View(LoadedFlow flow, FlowCatalog catalog)
    {
        var d = flow.Definition;
        return new FlowView(d.Key, d.Name, flow.Version, d.Start,
            d.Stages.Select(s => new StageView(s.Key, s.Name, s.Roles, s.Terminal, s.Deadline?.ToString(),
                s.Actions.Select(a => new ActionView(a.Key, a.Name, a.Roles, a.To,
                    a.Fields.Select(f => new FieldView(f.Key, f.Name, f.Type.ToString().ToLowerInvariant())).ToList(),
                    a.Guards.Select(Describe).ToList())).ToList(),
                s.Checklist.Select(c => new ChecklistView(c.Key, c.Name, c.Role)).ToList(),
                s.Timers.Select(t => new TimerView(t.Key, t.Name, t.After.ToString(), t.To)).ToList())).ToList(),
            catalog.Versions(flow.Key).Select(Info).ToList(),
            flow.Yaml);
    }

    private static string Describe(Rectification.Workflow.Guards.Guard guard) => guard switch
    {
        Rectification.Workflow.Guards.FieldsGuard f => $"fields: [{string.Join(", ", f.Required)}]",
        Rectification.Workflow.Guards.ChecklistCompleteGuard => "checklist: complete",
        Rectification.Workflow.Guards.CommentRequiredGuard => "comment: required",
        _ => guard.Kind,
    };
}
