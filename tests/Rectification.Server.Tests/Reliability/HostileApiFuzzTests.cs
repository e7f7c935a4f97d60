using System.Diagnostics;
using System.Text;
using Rectification.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Every API endpoint of the running app, found in its endpoint table, gets mutated requests: wrong JSON
/// types, nulls, huge numbers, long and odd strings, deep nesting, invalid UTF-8, junk ids, odd query strings, wrong
/// content types, missing or garbage If-Match, callers of every role and none. Whatever comes in, the answer is below
/// 500, a refusal is a problem document, and a refusal writes nothing.</summary>
public sealed class HostileApiFuzzTests(RectificationApp app, ITestOutputHelper output) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task EveryApiEndpoint_UnderHostileRequests_NeverAnswers500_AndARefusalWritesNothing()
    {
        var world = await FuzzWorld.PrepareAsync(app);
        var endpoints = EndpointCatalog.Api(app.Services);
        output.WriteLine($"World: {world.Describe()}");
        Assert.True(endpoints.Count >= 50, $"Only {endpoints.Count} API endpoints found in the endpoint table.");
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        var requests = 0;
        var slowest = (Time: TimeSpan.Zero, Request: "");
        var before = await DatabaseFingerprint.TakeAsync(app);
        try
        {
            foreach (var endpoint in endpoints)
            {
                var random = new Random(FuzzSettings.SeedFor(endpoint.Name));
                var seen = new SortedSet<int>();
                FuzzTarget? accepted = null;
                var hint = await world.HintAsync(endpoint);
                var firstRefusal = "";
                // First the plausible request, by each role in turn and on several ids, until the endpoint accepts one:
                // the hostile variants then start from a request that gets past the role and state checks.
                for (var attempt = 0; attempt < Discovery && accepted is null; attempt++)
                {
                    using var request = await world.BuildAsync(endpoint, random, plain: true, caller: FuzzWorld.Roles[attempt % FuzzWorld.Roles.Length],
                        accepted: attempt == 0 ? hint : null);
                    if (await SendAsync(endpoint, request, $"plain #{attempt}") is >= 200 and < 300)
                    {
                        accepted = request.Target;
                    }
                }

                for (var i = 0; i < FuzzSettings.Iterations; i++)
                {
                    using var request = await world.BuildAsync(endpoint, random, plain: false, accepted: accepted);
                    if (await SendAsync(endpoint, request, $"#{i}") is >= 200 and < 300)
                    {
                        accepted = request.Target;
                    }
                }

                output.WriteLine($"{endpoint.Name}: {string.Join(" ", seen)}{(accepted is null ? $" (nothing accepted; first plain refusal: {firstRefusal})" : "")}");

                async Task<int> SendAsync(ApiEndpoint target, FuzzRequest request, string label)
                {
                    var sent = await DescribeAsync(request.Message);
                    var started = Stopwatch.GetTimestamp();
                    using var response = await client.SendAsync(request.Message);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    if (elapsed > slowest.Time)
                    {
                        slowest = (elapsed, $"{target.Name} {label}");
                    }
                    requests++;
                    var status = (int)response.StatusCode;
                    seen.Add(status);
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    var body = await response.Content.ReadAsStringAsync();
                    // Slow is a failure too: a request that keeps a core busy for seconds is a way to take the service down.
                    var problem = Check(response) ?? (elapsed > SlowRequest ? $"took {elapsed.TotalSeconds:F1} s" : null);
                    var after = await DatabaseFingerprint.TakeAsync(app);
                    if (status is >= 400 and < 500 && !WritesWhenRefused(target, status) && before.Differences(after) is { Count: > 0 } changed)
                    {
                        problem ??= $"refused with {status} but wrote: {string.Join("; ", changed)}";
                    }

                    if (label == "plain #0" && status >= 400)
                    {
                        firstRefusal = $"{status} {Excerpt(body, 200)}";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"{target.Name} {label}: {problem}\n  sent: {sent}\n  got: {status} {Excerpt(body)}");
                    }

                    before = after;
                    return status;
                }
            }
        }
        finally
        {
            await world.ResumeTimersAsync();
        }

        output.WriteLine($"{requests} requests to {endpoints.Count} endpoints in {clock.Elapsed.TotalSeconds:F1} s (seed {FuzzSettings.Seed}, {FuzzSettings.Iterations} per endpoint); statuses: "
                         + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")) + $"; slowest {slowest.Time.TotalMilliseconds:F0} ms ({slowest.Request})");
        Assert.True(failures.Count == 0,
            $"{failures.Count} hostile requests were mishandled (RECTIFICATION_FUZZ_SEED={FuzzSettings.Seed}, RECTIFICATION_FUZZ_ITERATIONS={FuzzSettings.Iterations}):\n"
            + string.Join("\n", failures.Take(25)));
    }

    /// <summary>Generous for a shared 2-core machine; the slowest answers seen are well under a second.</summary>
    private static readonly TimeSpan SlowRequest = TimeSpan.FromSeconds(10);

    /// <summary>How many plausible requests an endpoint gets before the hostile ones, looking for one it accepts.</summary>
    private const int Discovery = 10;

    /// <summary>What is wrong with an answer by itself: a 5xx, or a refusal that is not a problem document.</summary>
    private static string? Check(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return "server error";
        }

        return status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json"
            ? $"refusal without a problem document ({response.Content.Headers.ContentType})"
            : null;
    }

    /// <summary>A failed sign-in is counted towards the account's lock-out on purpose: the only refusal that writes.</summary>
    private static bool WritesWhenRefused(ApiEndpoint endpoint, int status) =>
        endpoint.Name == "POST /api/v1/auth/login" && status is 401 or 429;

    private static async Task<string> DescribeAsync(HttpRequestMessage request)
    {
        var text = new StringBuilder($"{request.Method} {Excerpt(request.RequestUri?.ToString() ?? "", 500)}");
        foreach (var header in request.Headers.Where(h => h.Key != "Authorization"))
        {
            text.Append($" [{header.Key}: {Excerpt(string.Join(", ", header.Value))}]");
        }

        text.Append(request.Headers.Authorization is { } auth ? $" [Authorization: {auth.Scheme} {Excerpt(auth.Parameter ?? "", 12)}]" : " [anonymous]");
        if (request.Content is { } content)
        {
            var bytes = await content.ReadAsByteArrayAsync();
            text.Append($" [Content-Type: {content.Headers.ContentType}] {bytes.Length} bytes: {Excerpt(Encoding.UTF8.GetString(bytes))}");
        }

        return text.ToString();
    }

    private static string Excerpt(string text, int max = 300) => text.Length <= max ? text : text[..max] + $"…(+{text.Length - max})";
}
