using Rectification.Server.Infrastructure;
using Rectification.Workflow.Situations;

namespace Rectification.Server.Features.Situations;

/// <summary>Where the situations catalogue is read from.</summary>
public sealed record SituationOptions
{
    public const string Section = "Situations";

    /// <summary>The catalogue file; relative paths are resolved against the application folder. Default: config/situations.yaml.</summary>
    public string File { get; init; } = "config/situations.yaml";
}

/// <summary>The situations catalogue (情形目录): loaded once from <c>config/</c>, served read-only.</summary>
public static class SituationEndpoints
{
    public static IServiceCollection AddSituations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ =>
        {
            var options = configuration.GetSection(SituationOptions.Section).Get<SituationOptions>() ?? new SituationOptions();
            var path = Path.GetFullPath(options.File, HostingSetup.AppDirectory);
            return SituationCatalog.Parse(path, File.ReadAllText(path));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapSituationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/situations", (SituationCatalog catalog) => TypedResults.Ok(catalog.All))
            .WithTags("Situations")
            .WithSummary("The catalogue of defining situations (情形): code and Chinese text.");
        return app;
    }
}
