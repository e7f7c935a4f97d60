using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Rectification.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Every handler of every page, found in the endpoint table with the fields its model binds, gets hostile forms
/// and query strings from signed-in users of each role and from nobody: odd and oversized values, junk ids and versions,
/// unknown handlers, missing or forged anti-forgery tokens, damaged files. Never a 500; a refusal writes nothing.</summary>
public sealed partial class HostilePageFuzzTests(RectificationApp app, ITestOutputHelper output) : IClassFixture<RectificationApp>
{
    private static readonly string[] Roles = ["county-admin", "county-admin", "township-secretary", "inspector", "first-secretary", "city-admin", "city-viewer", ""];

    [Fact]
    public async Task EveryPageHandler_UnderHostileFormsAndQueryStrings_NeverAnswers500_AndARefusalWritesNothing()
    {
        var world = await FuzzWorld.PrepareAsync(app);
        var handlers = PageCatalog.Handlers(app.Services);
        Assert.True(handlers.Count >= 20, $"Only {handlers.Count} page handlers found in the endpoint table.");
        var sessions = new Dictionary<string, PageSession>();
        foreach (var role in Roles.Distinct())
        {
            sessions[role] = await PageSession.SignInAsync(app, role);
        }

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var requests = 0;
        var clock = Stopwatch.StartNew();
        var before = await DatabaseFingerprint.TakeAsync(app);
        try
        {
            foreach (var handler in handlers)
            {
                var random = new Random(FuzzSettings.SeedFor(handler.Name));
                var seen = new SortedSet<int>();
                for (var i = 0; i <= FuzzSettings.Iterations; i++)
                {
                    var plain = i == 0;
                    var role = plain ? "county-admin" : random.Pick(Roles);
                    var session = sessions[role];
                    using var request = await BuildAsync(world, handler, session, random, plain);
                    var sent = await DescribeAsync(request);
                    var started = Stopwatch.GetTimestamp();
                    using var response = await session.Client.SendAsync(request);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    requests++;
                    var status = (int)response.StatusCode;
                    seen.Add(status);
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    var body = await response.Content.ReadAsStringAsync();
                    var after = await DatabaseFingerprint.TakeAsync(app);
                    var problem = status >= 500 ? "server error" : elapsed > TimeSpan.FromSeconds(10) ? $"took {elapsed.TotalSeconds:F1} s" : null;
                    if (status is >= 400 and < 500 && !(handler.Route == "/login" && status == 401) && before.Differences(after) is { Count: > 0 } changed)
                    {
                        problem ??= $"refused with {status} but wrote: {string.Join("; ", changed)}";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"{handler.Name} #{i} as {(role.Length == 0 ? "nobody" : role)}: {problem}\n  sent: {sent}\n  got: {status} {Excerpt(body)}");
                    }

                    before = after;
                    if (handler.Route is "/logout" or "/login")
                    {
                        // Signing out (or in again) changes the session's cookie: start it afresh.
                        session.Client.Dispose();
                        sessions[role] = await PageSession.SignInAsync(app, role);
                    }
                }

                output.WriteLine($"{handler.Name}: {string.Join(" ", seen)}");
            }
        }
        finally
        {
            await world.ResumeTimersAsync();
            foreach (var session in sessions.Values)
            {
                session.Client.Dispose();
            }
        }

        output.WriteLine($"{requests} requests to {handlers.Count} page handlers in {clock.Elapsed.TotalSeconds:F1} s (seed {FuzzSettings.Seed}, {FuzzSettings.Iterations} per handler); statuses: "
                         + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(failures.Count == 0,
            $"{failures.Count} hostile page requests were mishandled (RECTIFICATION_FUZZ_SEED={FuzzSettings.Seed}, RECTIFICATION_FUZZ_ITERATIONS={FuzzSettings.Iterations}):\n"
            + string.Join("\n", failures.Take(25)));
    }

    private static async Task<HttpRequestMessage> BuildAsync(FuzzWorld world, PageHandler handler, PageSession session, Random random, bool plain)
    {
        var path = new StringBuilder();
        int? caseId = null;
        string? previous = null;
        foreach (var segment in handler.Pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                if (part is RoutePatternLiteralPart literal)
                {
                    path.Append(literal.Content);
                    previous = literal.Content;
                }
                else if (part is RoutePatternParameterPart parameter)
                {
                    var value = await world.RouteValueFor(previous, parameter.Name, caseId, random, plain);
                    caseId = previous == "cases" && int.TryParse(value, CultureInfo.InvariantCulture, out var id) ? id : caseId;
                    path.Append(Uri.EscapeDataString(value));
                }
            }
        }

        var fields = new List<KeyValuePair<string, string>>();
        var files = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, type) in handler.Fields.Where(_ => plain || random.Next(4) > 0))
        {
            if (type == typeof(IFormFile))
            {
                var sample = world.Sample(handler.Route.StartsWith("/flows", StringComparison.Ordinal) ? "application/yaml" : "image/png");
                files.Add((name, plain ? sample : Hostile.MangleBytes(sample, random)));
                continue;
            }

            var leaf = LeafName().Match(name).Groups[1].Value;
            var value = leaf.Equals("version", StringComparison.OrdinalIgnoreCase) && caseId is { } c && (plain || random.Next(3) > 0)
                ? ((await world.VersionAsync(c)) ?? 0).ToString(CultureInfo.InvariantCulture)
                : world.ValueFor(leaf, type, random, plain);
            fields.Add(new(name, value));
        }

        if (!plain && random.Next(8) == 0)
        {
            fields.Add(new(random.Pick(["__proto__", "Editor.Problems[999999].Description", "Editor.Problems.index", "handler", "", "Id"]), random.Pick(Hostile.Strings)));
        }

        var handlerName = handler.Handler is { } h ? plain || random.Next(12) > 0 ? h : random.Pick(["Nope", "", "act;drop", new string('x', 500)]) : null;
        var query = handler.Method == "GET" ? fields : [];
        if (handlerName is not null)
        {
            query = [new("handler", handlerName), .. query];
        }

        if (query.Count > 0)
        {
            path.Append('?').AppendJoin('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        }

        var request = new HttpRequestMessage(new HttpMethod(handler.Method), new Uri(path.ToString(), UriKind.Relative));
        if (handler.Method != "POST")
        {
            return request;
        }

        // The anti-forgery token: the session's own mostly; else missing, someone else's, or garbage.
        var token = plain || random.Next(8) > 0 ? session.Token : random.Pick(["", "garbage", session.Token[..^2], "CfDJ8" + new string('A', 200)]);
        if (token.Length > 0)
        {
            fields.Add(new("__RequestVerificationToken", token));
        }

        if (files.Count > 0 || (!plain && random.Next(10) == 0))
        {
            var multipart = new MultipartFormDataContent();
            // HttpClient cannot send a part without a name; the urlencoded forms carry the empty ones.
            foreach (var (key, value) in fields.Where(f => !string.IsNullOrWhiteSpace(f.Key)))
            {
                multipart.Add(new StringContent(value), key);
            }

            foreach (var (name, bytes) in files)
            {
                var file = new ByteArrayContent(bytes);
                file.Headers.TryAddWithoutValidation("Content-Type", random.Pick(["image/png", "application/yaml", "application/octet-stream", "text/html"]));
                multipart.Add(file, name, plain ? "photo.png" : random.Pick(["photo.png", "../../x.png", "a\u202Egnp.exe", new string('长', 300), "flow.yaml"]));
            }

            request.Content = multipart;
        }
        else
        {
            request.Content = new FormUrlEncodedContent(fields);
        }

        return request;
    }

    private static async Task<string> DescribeAsync(HttpRequestMessage request)
    {
        var text = new StringBuilder($"{request.Method} {Excerpt(request.RequestUri?.ToString() ?? "", 500)}");
        if (request.Content is { } content)
        {
            var body = await content.ReadAsStringAsync();
            text.Append($" [Content-Type: {content.Headers.ContentType}] {Excerpt(body)}");
        }

        return text.ToString();
    }

    private static string Excerpt(string text, int max = 300) => text.Length <= max ? text : text[..max] + $"…(+{text.Length - max})";

    /// <summary>The last name of a form key: Editor.Problems[0].Deadline → Deadline.</summary>
    [GeneratedRegex(@"([A-Za-z_]+)(\[\d+\])?$")]
    private static partial Regex LeafName();
}
