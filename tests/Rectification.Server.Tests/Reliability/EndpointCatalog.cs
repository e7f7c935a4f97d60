using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Rectification.Server.Tests.Reliability;

/// <summary>An endpoint of the API (or /health, /openapi) as a fuzzer sees it: method, route, query parameters and what
/// body it takes.</summary>
public sealed record ApiEndpoint(
    string Method,
    RoutePattern Pattern,
    IReadOnlyList<(string Name, Type Type)> Query,
    Type? JsonBody,
    IReadOnlyList<string> RawContentTypes)
{
    public string Route => "/" + Pattern.RawText!.TrimStart('/').TrimEnd('/');

    public string Name => $"{Method} {Route}";

    public override string ToString() => Name;
}

/// <summary>Reads the running app's endpoint table, so an endpoint added later is fuzzed without anyone listing it.</summary>
public static class EndpointCatalog
{
    public static IReadOnlyList<ApiEndpoint> Api(IServiceProvider services)
    {
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        // The API, and the service's other endpoints that are neither pages nor static files.
        var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/') is { } raw
                        && (raw.StartsWith("api/", StringComparison.Ordinal) || raw.StartsWith("openapi/", StringComparison.Ordinal) || raw == "health"));
        var result = new List<ApiEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var query = new List<(string, Type)>();
            Type? body = null;
            foreach (var parameter in endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters() ?? [])
            {
                var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
                if (routeNames.Contains(parameter.Name!) || typeof(HttpContext) == type || typeof(HttpRequest) == type || typeof(CancellationToken) == type
                    || isService.IsService(parameter.ParameterType))
                {
                    continue;
                }

                if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
                {
                    query.AddRange(type.GetConstructors().Single().GetParameters().Select(p => (Camel(p.Name!), Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType)));
                }
                else if (IsSimple(type))
                {
                    query.Add((parameter.Name!, type));
                }
                else
                {
                    body = parameter.ParameterType;
                }
            }

            var accepts = endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>().SelectMany(a => a.ContentTypes)
                .Where(t => !t.StartsWith("application/json", StringComparison.Ordinal)).Distinct().ToList();
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                result.Add(new ApiEndpoint(method, endpoint.RoutePattern, query, body, accepts));
            }
        }

        // Actions move cases from stage to stage: fuzzed last, so the endpoints that need a case in a given stage (the plan,
        // the acceptance) still find the demo's.
        return result.OrderBy(e => e.Route.Contains("/actions/", StringComparison.Ordinal))
            .ThenBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal).ToList();
    }

    public static bool IsSimple(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateOnly) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(TimeSpan) || type == typeof(Guid);

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
