using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Admin;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Demo;
using Rectification.Workflow.Time;
using Serilog;

namespace Rectification.Server.Infrastructure;

/// <summary>The service's shared plumbing: database, clock, problems, JSON, OpenAPI and the request pipeline.</summary>
public static class ServiceSetup
{
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var storage = builder.Storage();
        // Split queries: a case with its situations, fields, signatures and timers would otherwise multiply rows.
        // A list in a query (ids.Contains(x)) goes as one parameter (a JSON array on SQLite, an array on PostgreSQL):
        // EF 10's default of one parameter per element breaks SQLite's limit of 32,766 once a sweep reads a country.
        // Pooled contexts: each request otherwise builds a context and its services anew; pooling cut the bytes allocated
        // per action by a third and raised actions per second by about a fifth (bench/results-sqlite.md).
        if (storage.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextPool<AppDbContext, PostgresDbContext>(o => o.UseNpgsql(storage.ConnectionString, npgsql => npgsql
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery)
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter)));
        }
        else
        {
            services.AddSingleton<SqliteWriteGate>();
            services.AddDbContextPool<AppDbContext>((sp, o) => o.UseSqlite(storage.ConnectionString, sqlite => sqlite
                    .UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery)
                    .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
                .AddInterceptors(sp.GetRequiredService<SqliteWriteGate>(), new SqliteBusyWait()));
        }

        services.AddSingleton(TimeProvider.System);
        services.AddSimulatedClock(builder.Configuration);
        services.AddSingleton<IWorkingCalendar>(sp => LoadCalendar(builder.Configuration["Calendar:Directory"], sp.GetRequiredService<ILoggerFactory>().CreateLogger("Calendar")));
        services.AddSingleton(builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions());
        services.AddScoped<DemoSeeder>();
        services.AddHostedService<StartupInitializer>();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Routing answers a body of a type no endpoint takes with a bare 415 (no detail, unlike a use case's own 415 for
            // a file's content): say which header was wrong.
            if (context.ProblemDetails is { Status: StatusCodes.Status415UnsupportedMediaType, Detail: null } and not HttpValidationProblemDetails
                && !context.ProblemDetails.Extensions.ContainsKey("errors"))
            {
                context.ProblemDetails.Detail = $"This endpoint does not take a body of type '{context.HttpContext.Request.ContentType}'; see /openapi/v1.json.";
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = ["Not a type this endpoint takes."] };
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Malformed bodies must reach the exception handler, which names the field, in every environment.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower));
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new NulText.JsonConverter());
        });
        services.AddOpenApi();
        return builder;
    }

    /// <summary>The official calendar from <c>config/calendar/*.yaml</c> (Calendar:Directory), one file per published year.</summary>
    private static ChineseWorkingCalendar LoadCalendar(string? configured, Microsoft.Extensions.Logging.ILogger logger)
    {
        var directory = Path.GetFullPath(configured ?? "config/calendar", HostingSetup.AppDirectory);
        var years = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).Select(f => CalendarYear.Parse(f, File.ReadAllText(f))).ToList()
            : [];
        var duplicate = years.GroupBy(y => y.Year).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"{directory}: the year {duplicate.Key} is in more than one file.");
        }

        logger.LogInformation("Working calendar loaded for {Years}", years.Select(y => y.Year).Order());
        return new ChineseWorkingCalendar(years, year =>
            logger.LogWarning("No official calendar for {Year} in {Directory}: deadlines in it count plain weekdays", year, directory));
    }

    public static WebApplication UsePlatform(this WebApplication app)
    {
        // Outside the exception handler, so the log shows the status the client got, not the exception on its way to a 4xx.
        app.UseSerilogRequestLogging(o => o.EnrichDiagnosticContext = (diagnostics, http) =>
        {
            diagnostics.Set("User", http.User.Identity?.Name ?? "anonymous");
            if (http.Request.RouteValues.TryGetValue("id", out var id) && http.Request.Path.StartsWithSegments("/api/v1/cases"))
            {
                diagnostics.Set("CaseId", id);
            }
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseRequestGuard();
        app.UseAuthentication();
        app.UseCredentialStamps();
        app.UseAuthorization();
        app.UseIdempotency();
        // The one document by its own path: the framework's handler answers any other name (in the route, or in a
        // ?documentName= it also reads) with a plain-text 404 rather than a problem document.
        app.MapOpenApi("/openapi/v1.json").AllowAnonymous().AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.Query.ContainsKey("documentName")
                ? Problem.Invalid("documentName", "There is one document, /openapi/v1.json.").ToProblemResult()
                : await next(context));
        return app;
    }
}
