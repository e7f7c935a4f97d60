using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Rectification.Server.Tests.Reliability;

/// <summary>A handler of a page as a fuzzer sees it: the form fields (or query values, for GET) it binds, and whether it
/// takes a file.</summary>
public sealed record PageHandler(string Method, RoutePattern Pattern, string? Handler, IReadOnlyList<(string Name, Type Type)> Fields)
{
    public string Route => "/" + Pattern.RawText!.Trim('/');

    public string Name => $"{Method} {Route}{(Handler is null ? "" : $"?handler={Handler}")}";

    public override string ToString() => Name;
}

/// <summary>Reads the pages' handlers from the running app's endpoint table, with the fields their model binds.</summary>
public static class PageCatalog
{
    public static IReadOnlyList<PageHandler> Handlers(IServiceProvider services)
    {
        var result = new List<PageHandler>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<CompiledPageActionDescriptor>() is not { } page)
            {
                continue;
            }

            var route = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var handler in page.HandlerMethods)
            {
                var get = handler.HttpMethod.Equals("GET", StringComparison.OrdinalIgnoreCase);
                var fields = new List<(string, Type)>();
                foreach (var parameter in handler.Parameters.Where(p => !route.Contains(p.Name) && p.ParameterType != typeof(CancellationToken)))
                {
                    Flatten(parameter.BindingInfo?.BinderModelName ?? parameter.Name, parameter.ParameterType, fields, 0);
                }

                foreach (var property in page.BoundProperties.OfType<Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageBoundPropertyDescriptor>())
                {
                    if (!get || property.Property.GetCustomAttribute<BindPropertyAttribute>()?.SupportsGet == true)
                    {
                        Flatten(property.BindingInfo?.BinderModelName ?? property.Name, property.ParameterType, fields, 0);
                    }
                }

                result.Add(new PageHandler(handler.HttpMethod.ToUpperInvariant(), endpoint.RoutePattern, handler.Name, fields));
            }
        }

        return result.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>A complex model's leaves as form keys: Editor.Problems[0].Measures[0].Deadline.</summary>
    private static void Flatten(string prefix, Type type, List<(string, Type)> fields, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (EndpointCatalog.IsSimple(type) || type == typeof(IFormFile) || depth > 4)
        {
            fields.Add((prefix, type));
            return;
        }

        if (type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            var element = type.GetGenericArguments()[0];
            for (var i = 0; i < 2; i++)
            {
                Flatten($"{prefix}[{i}]", element, fields, depth + 1);
            }

            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            Flatten($"{prefix}.{property.Name}", property.PropertyType, fields, depth + 1);
        }
    }
}
