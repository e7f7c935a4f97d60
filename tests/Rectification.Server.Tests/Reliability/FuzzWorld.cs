using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rectification.Server.Data;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Features.Dispatch;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>What a fuzzer needs to reach past the first check of each endpoint: signed-in callers of every role, real
/// ids from the demo data (and junk ones), a plausible body per endpoint to mutate, and the current version of a case
/// for If-Match.</summary>
public sealed class FuzzWorld
{
    /// <summary>Who calls: every demo role, nobody, and tokens that are not tokens.</summary>
    public static readonly string[] Callers =
        ["county-admin", "county-admin", "county-admin", "township-secretary", "inspector", "first-secretary", "city-viewer", "city-admin",
         "township-secretary-2", "", "garbage"];

    private readonly RectificationApp _app;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly Dictionary<string, List<string>> _pools = [];
    private readonly Dictionary<string, JsonNode> _bodies = [];
    private readonly Dictionary<string, byte[]> _files = [];

    private FuzzWorld(RectificationApp app) => _app = app;

    /// <summary>Stops the timers, moves the clock three weeks on and sweeps once (so alerts, overdue items and a dispatch
    /// exist), signs every caller in, and puts things in the states the endpoints start from: a draft, evidence, a
    /// reported item, an extension asked, a suspended case, an account for sign-in fuzzing.</summary>
    public static async Task<FuzzWorld> PrepareAsync(RectificationApp app)
    {
        // The timers stop first: a sweep of theirs writing meanwhile would look like a refused request that wrote.
        await DatabaseFingerprint.QuietAsync(app);

        // Three weeks on, deadlines have passed: alerts, overdue items and a weekly dispatch exist to be read and acknowledged.
        app.Clock.Advance(TimeSpan.FromDays(22));
        await app.Services.GetRequiredService<Features.Timers.Sweep>().RunAsync(CancellationToken.None);
        app.ForgetTokens();
        var world = new FuzzWorld(app);
        foreach (var caller in Callers.Where(c => c is not ("" or "garbage")).Distinct())
        {
            using var client = await app.ClientForAsync(caller);
            world._tokens[caller] = client.DefaultRequestHeaders.Authorization!.Parameter!;
        }

        var flowYaml = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "workflows", "rectification.yaml"));
        world._files["application/yaml"] = flowYaml;
        world._files["text/yaml"] = flowYaml;
        world._files["text/plain"] = flowYaml;
        using (var template = await Features.Import.ImportScreening.TemplateAsync(CancellationToken.None))
        using (var copy = new MemoryStream())
        {
            await template.CopyToAsync(copy);
            world._files["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = copy.ToArray();
        }

        world._files["image/png"] = Png;
        world._files["image/jpeg"] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];
        world._files["application/pdf"] = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"u8.ToArray();
        world._files["application/octet-stream"] = Png;

        using var admin = await app.ClientForAsync("county-admin");
        using (var draft = new ByteArrayContent(flowYaml))
        {
            draft.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
            (await admin.PostAsync("/api/v1/workflows", draft)).EnsureSuccessStatusCode();
        }

        // An account of its own for sign-in fuzzing: wrong passwords lock it, not a demo account.
        (await admin.PostAsJsonAsync("/api/v1/users", new
        {
            username = "fuzz-login", displayName = "登录测试", password = "Demo@2026-fuzz", orgUnitId = await app.OrgIdAsync("旺起镇"), roles = new[] { "township-secretary" },
        })).EnsureSuccessStatusCode();

        // Items in each state the ledger endpoints start from: one reported (to tick), one with an extension asked (to
        // decide), the rest open; and one case suspended (to resume).
        using (var inspector = await app.ClientForAsync("inspector"))
        {
            var problems = Enumerable.Range(1, 3).Select(n => new
            {
                problem = $"问题{n}", measure = $"措施{n}", situations = new[] { "6" }, townshipResponsible = "李书记", villageResponsible = "村书记", deadline = "2026-06-30",
            });
            (await inspector.PostAsJsonAsync($"/api/v1/cases/{await app.CaseIdAsync("沿江村")}/feedback", new { visit = "实地走访", problems })).EnsureSuccessStatusCode();
        }

        using (var secretary = await app.ClientForAsync("township-secretary-2"))
        {
            var open = (await (await secretary.GetAsync("/api/v1/ledger?status=open&pageSize=200")).JsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.Id()).ToList();
            (await secretary.PostAsJsonAsync($"/api/v1/ledger/{open[0]}/report", new { note = "已整改" })).EnsureSuccessStatusCode();
            (await secretary.PostAsJsonAsync($"/api/v1/ledger/{open[1]}/extensions", new { deadline = "2026-08-31", reason = "汛期" })).EnsureSuccessStatusCode();
            using var png = new ByteArrayContent(Png);
            png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            (await secretary.PostAsync($"/api/v1/ledger/{open[0]}/evidence?fileName=photo.png", png)).EnsureSuccessStatusCode();
        }

        var suspended = await app.CaseIdAsync("旺起村");
        using (var suspend = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{suspended}/suspend") { Content = JsonContent.Create(new { reason = "换届选举" }) })
        {
            suspend.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{(await admin.GetCaseAsync(suspended)).Version()}\""));
            (await admin.SendAsync(suspend)).EnsureSuccessStatusCode();
        }

        await world.LoadPoolsAsync();
        return world;
    }

    /// <summary>How many real ids of each kind requests are built from, for the test's output.</summary>
    public string Describe() => string.Join(", ", _pools.Where(p => p.Key is "cases" or "ledger" or "alerts" or "evidence" or "dispatch" or "drafts" or "orgs")
        .Select(p => $"{p.Value.Count} {p.Key}"));

    /// <summary>Lets the timers run again once the fuzzing is over.</summary>
    public async Task ResumeTimersAsync() => await (await _app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).ResumeAll();

    private async Task LoadPoolsAsync()
    {
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var flows = scope.ServiceProvider.GetRequiredService<FlowCatalog>();
        _pools["cases"] = (await db.Cases.Select(c => c.Id).ToListAsync()).Select(Text).ToList();
        _pools["ledger"] = (await db.LedgerItems.Select(i => i.Id).ToListAsync()).Select(Text).ToList();
        _pools["alerts"] = (await db.Set<Alert>().OrderBy(a => a.Id).Select(a => a.Id).Take(50).ToListAsync()).Select(a => a.ToString(CultureInfo.InvariantCulture)).ToList();
        _pools["evidence"] = (await db.Set<EvidenceFile>().Select(e => e.Id).ToListAsync()).Select(Text).ToList();
        _pools["dispatch"] = (await db.Set<DispatchReport>().Select(d => d.Id).ToListAsync()).Select(Text).ToList();
        _pools["drafts"] = (await db.FlowDrafts.Select(d => d.Id).ToListAsync()).Select(Text).ToList();
        _pools["orgs"] = (await db.OrgUnits.Select(o => o.Id).ToListAsync()).Select(Text).ToList();
        var definitions = flows.Keys.SelectMany(flows.Versions).Select(v => v.Definition).ToList();
        _pools["workflows"] = [.. flows.Keys];
        _pools["actions"] = definitions.SelectMany(d => d.Stages).SelectMany(s => s.Actions).Select(a => a.Key).Distinct().ToList();
        _pools["checklist"] = definitions.SelectMany(d => d.Stages).SelectMany(s => s.Checklist).Select(c => c.Key).Distinct().ToList();
        _pools["stage"] = definitions.SelectMany(d => d.Stages).Select(s => s.Key).Distinct().ToList();
        _pools["situation"] = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
        _pools["status"] = ["open", "reported", "closed", "Open"];
        _pools["sort"] = ["deadline", "-deadline", "id", "-id"];
        _pools["kind"] = ["reminder", "overdue", "escalation"];
        _pools["format"] = ["svg", "mermaid"];
        _pools["year"] = ["2026", "2025", "2027"];
        _pools["page"] = ["1", "2"];
        _pools["pageSize"] = ["1", "10", "100", "200"];
        _pools["responsible"] = ["李强", "吴敏"];
        _pools["fileName"] = ["photo.png", "会议记录.pdf"];
        _pools["item"] = _pools["ledger"];
        _pools["method"] = ["书记访谈", "查看资料", "实地走访", "群众座谈"];
        _pools["command"] = ["add-problem", "add-measure:0", "remove-problem:0", "remove-measure:0:0", "save", "add-measure:99999999999"];
        _pools["deadline"] = ["2026-06-30", "2026-12-31", "2026-02-30", "1999-01-01"];
        _pools["situations"] = _pools["situation"];
        _pools["key"] = _pools["workflows"];
        _pools["draft"] = _pools["drafts"];
        _pools["username"] = ["fuzz-login", "FUZZ-LOGIN", "nobody"];
        _pools["password"] = ["Demo@2026-fuzz", "wrong"];
        _pools["returnUrl"] = ["/ledger", "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"];

        var township = await db.OrgUnits.Where(o => o.Name == "旺起镇").Select(o => o.Id).SingleAsync();
        // Villages of the township secretary's township without a case: some for the proposal, some for the import.
        var free = await db.OrgUnits.Where(o => o.ParentId == township && !db.Cases.Any(c => c.VillageId == o.Id)).OrderBy(o => o.Id).Select(o => new { o.Id, o.Name, o.Code }).ToListAsync();
        var wufu = free[0].Id;
        _files["text/csv"] = Encoding.UTF8.GetBytes($"村,情形,来源,备注,年度\n{free[1].Name},1、4,乡镇上报,书记长期缺职,2026\n{free[2].Code},7,督导组摸排,,\n");
        var firstItem = await db.LedgerItems.OrderBy(i => i.Id).Select(i => new { i.Id, i.CaseId }).FirstAsync();
        var firstCase = firstItem.CaseId;
        // The plan covers a situation of the case being planned, or it is refused before anything else is checked.
        var planning = await db.Cases.Where(c => c.Stage == "planning").SelectMany(c => c.Situations).Select(x => x.Code).FirstOrDefaultAsync() ?? "1";
        var measure = new JsonObject { ["measure"] = "落实三会一课", ["target"] = "整改到位", ["townshipResponsible"] = "包村领导 吴敏", ["villageResponsible"] = "村书记 李强", ["deadline"] = "2026-06-30" };
        _bodies["POST /api/v1/auth/login"] = new JsonObject { ["username"] = "fuzz-login", ["password"] = "Demo@2026-fuzz" };
        _bodies["POST /api/v1/orgs"] = new JsonObject { ["parentId"] = township, ["code"] = "220211100288", ["name"] = "新立村" };
        _bodies["POST /api/v1/users"] = new JsonObject
        {
            ["username"] = "fuzz-user", ["displayName"] = "测试用户", ["password"] = "Demo@2026-fuzz", ["orgUnitId"] = township, ["roles"] = new JsonArray("township-secretary"),
        };
        _bodies["POST /api/v1/cases"] = new JsonObject { ["villageId"] = wufu, ["year"] = 2026, ["situations"] = new JsonArray("1", "4"), ["source"] = "township-report", ["note"] = "摸底排查" };
        _bodies["POST /api/v1/cases/{id:int}/actions/{action}"] = new JsonObject { ["comment"] = "同意", ["fields"] = new JsonObject() };
        _bodies["POST /api/v1/cases/{id:int}/checklist/{item}/sign"] = new JsonObject { ["comment"] = "已完成" };
        _bodies["POST /api/v1/cases/{id:int}/suspend"] = new JsonObject { ["reason"] = "村“两委”换届选举" };
        _bodies["POST /api/v1/cases/{id:int}/resume"] = new JsonObject { ["reason"] = "换届完成" };
        _bodies["PUT /api/v1/cases/{id:int}/plan"] = new JsonObject
        {
            ["problems"] = new JsonArray(new JsonObject { ["description"] = "组织生活不规范", ["situations"] = new JsonArray(planning), ["measures"] = new JsonArray(measure) }),
        };
        _bodies["POST /api/v1/cases/{id:int}/feedback"] = new JsonObject
        {
            ["visit"] = "2026-03-02 实地走访",
            ["problems"] = new JsonArray(new JsonObject
            {
                ["problem"] = "村务公开不及时", ["measure"] = "每季度公开", ["situations"] = new JsonArray("6"), ["townshipResponsible"] = "吴敏", ["villageResponsible"] = "李强", ["deadline"] = "2026-06-30",
            }),
        };
        _bodies["POST /api/v1/ledger/{item:int}/report"] = new JsonObject { ["note"] = "已整改" };
        _bodies["POST /api/v1/ledger/{item:int}/tick"] = new JsonObject { ["method"] = "查看资料", ["note"] = "资料齐全" };
        _bodies["POST /api/v1/ledger/{item:int}/reopen"] = new JsonObject { ["reason"] = "整改不到位" };
        _bodies["POST /api/v1/ledger/{item:int}/extensions"] = new JsonObject { ["deadline"] = "2026-07-30", ["reason"] = "汛期施工" };
        _bodies["POST /api/v1/ledger/{item:int}/extensions/decision"] = new JsonObject { ["approve"] = true, ["comment"] = "同意" };
        _bodies["PUT /api/v1/cases/{id:int}/acceptance"] = new JsonObject
        {
            ["scores"] = new JsonObject(scope.ServiceProvider.GetRequiredService<Features.Acceptance.AcceptanceSheet>().Items
                .Select(i => KeyValuePair.Create(i.Key, (JsonNode?)JsonValue.Create(i.Points * 0.9m)))),
            ["rating"] = new JsonObject { ["satisfied"] = 30, ["basicallySatisfied"] = 5, ["dissatisfied"] = 1 },
            ["note"] = "书记访谈",
        };
        _bodies["POST /api/v1/accountability"] = new JsonObject
        {
            ["caseId"] = firstCase, ["person"] = "李强", ["kind"] = "约谈", ["ground"] = "推进工作不力", ["items"] = new JsonArray(firstItem.Id), ["note"] = "逾期",
        };
        _bodies["POST /api/v1/admin/clock/advance"] = new JsonObject { ["by"] = "P3D" };
        _bodies["POST /api/v1/workflows/{key}/migrations"] = new JsonObject
        {
            ["fromVersion"] = 1, ["toVersion"] = 2, ["stages"] = new JsonObject { ["planning"] = "planning" }, ["dryRun"] = true, ["caseIds"] = new JsonArray(firstCase),
        };
    }

    /// <summary>Callers tried in turn while looking for a request an endpoint accepts.</summary>
    public static readonly string[] Roles = ["county-admin", "township-secretary", "inspector", "first-secretary", "city-admin"];

    /// <summary>One request to <paramref name="endpoint"/>: the plausible one as it is when <paramref name="plain"/> (sent
    /// by <paramref name="caller"/>), else a hostile one, which half of the time keeps the caller and route of
    /// <paramref name="accepted"/>, the request the endpoint last accepted, so mutations reach past the first checks.</summary>
    public async Task<FuzzRequest> BuildAsync(ApiEndpoint endpoint, Random random, bool plain, string? caller = null, FuzzTarget? accepted = null)
    {
        // The plain request goes where it was told; a hostile one half of the time where the endpoint last said yes.
        var keep = accepted is not null && (plain || random.Next(2) == 0);
        var path = new StringBuilder();
        var route = new Dictionary<string, string>();
        int? caseId = null;
        string? previous = null;
        foreach (var segment in endpoint.Pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal:
                        path.Append(literal.Content);
                        previous = literal.Content;
                        break;
                    case Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter:
                        var value = keep && accepted!.Route.TryGetValue(parameter.Name, out var kept) ? kept
                            : await RouteValueAsync(previous, parameter.Name, caseId, random, plain);
                        route[parameter.Name] = value;
                        if (previous == "cases" && int.TryParse(value, CultureInfo.InvariantCulture, out var id))
                        {
                            caseId = id;
                        }

                        // Now and then unescaped, as a careless client sends it; never a NUL, which the test server (unlike
                        // Kestrel, which answers 400) throws on in the client.
                        path.Append(random.Next(10) == 0 && !plain && !value.Contains("%00", StringComparison.Ordinal) ? value : Uri.EscapeDataString(value));
                        break;
                }
            }
        }

        var query = endpoint.Query.Where(_ => plain || random.Next(10) < 7).Select(q => (q.Name, Value: ValueFor(q.Name, q.Type, random, plain))).ToList();
        if (!plain && random.Next(6) == 0)
        {
            query.Add((random.Pick(["page", "unknown", "pageSize", "", "a[b]", "%zz", "year"]), random.Pick(Hostile.Strings)));
        }

        if (query.Count > 0)
        {
            path.Append('?').AppendJoin('&', query.Select(q => $"{Encode(q.Name, random, plain)}={Encode(q.Value, random, plain)}"));
        }

        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), new Uri(path.ToString(), UriKind.Relative));
        caller = keep ? accepted!.Caller : plain ? caller ?? "county-admin" : random.Pick(Callers);
        if (caller == "garbage")
        {
            request.Headers.TryAddWithoutValidation("Authorization", random.Pick(["Bearer abc", "Bearer " + _tokens["county-admin"] + "x", "Basic YTpi", "Bearer", "bearer  "]));
        }
        else if (caller.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[caller]);
        }

        if (endpoint.Method is not ("GET" or "HEAD"))
        {
            var current = caseId is { } c ? await VersionOfAsync(c) : null;
            var choice = plain ? 0 : random.Next(10);
            var ifMatch = choice switch
            {
                < 5 => current is { } v ? $"\"{v}\"" : null,
                5 => null,
                6 => current is { } v ? $"W/\"{v}\"" : "*",
                7 => current is { } v ? $"\"{v - 1}\"" : "\"1\"",
                _ => random.Pick(["*", "\"abc\"", "\"99999999999999999999\"", "\"\"", "\"-1\"", "\"1\", \"2\"", "1", "W/", "\"\u00e9\"", new string('9', 5000)]),
            };
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }
        }

        request.Content = Body(endpoint, random, plain);
        return new FuzzRequest(request, new FuzzTarget(caller, route));
    }

    private ByteArrayContent? Body(ApiEndpoint endpoint, Random random, bool plain)
    {
        if (endpoint.RawContentTypes.Count > 0)
        {
            var type = random.Pick(endpoint.RawContentTypes);
            var sample = _files.GetValueOrDefault(type, Png);
            var bytes = plain ? sample : random.Next(10) switch
            {
                < 6 => Hostile.MangleBytes(sample, random),
                6 => RandomBytes(random),
                7 => [],
                8 => random.Pick<byte[]>([[0xEF, 0xBB, 0xBF], [0xFF, 0xFE, 0, 0], new byte[4096], Encoding.UTF8.GetBytes(new string('a', 1_000_000)), [0xFE, 0xFF, 0, 0x41]]),
                _ => [.. Encoding.UTF8.GetPreamble(), .. sample],
            };
            var content = new ByteArrayContent(bytes);
            content.Headers.TryAddWithoutValidation("Content-Type", plain || random.Next(8) > 0 ? type : random.Pick(ContentTypes));
            return content;
        }

        if (endpoint.JsonBody is null)
        {
            if (plain || random.Next(5) > 0)
            {
                return null;
            }

            return Json(Encoding.UTF8.GetBytes(Hostile.Text(Hostile.Value(random))), random.Pick(ContentTypes));
        }

        var template = _bodies.GetValueOrDefault(endpoint.Name) ?? Generate(endpoint.JsonBody, random, 0);
        if (plain)
        {
            return Json(Encoding.UTF8.GetBytes(Hostile.Text(template)), "application/json");
        }

        return random.Next(20) switch
        {
            < 11 => Json(Encoding.UTF8.GetBytes(Hostile.Text(Hostile.Mutate(template, random))), "application/json"),
            < 16 => Json(Hostile.MangleText(Hostile.Text(template), random), "application/json"),
            < 18 => Json(Encoding.UTF8.GetBytes(Hostile.Text(template)), random.Pick(ContentTypes)),
            18 => null,
            _ => Json([], "application/json"),
        };
    }

    private static readonly string[] ContentTypes =
    [
        "application/json; charset=utf-16", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=\"nonsense\"", "application/merge-patch+json", "*/*", "application/json;;", "image/png",
    ];

    private static ByteArrayContent Json(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    /// <summary>A plausible body for a request type nobody wrote a template for (an endpoint added later): its members by
    /// reflection, filled with values of their types.</summary>
    private static JsonNode? Generate(Type type, Random random, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return JsonValue.Create(random.Pick(["测试", "1", "2026-06-30", "P3D"]));
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(decimal) || type == typeof(double))
        {
            return JsonValue.Create(random.Next(1, 10));
        }

        if (type == typeof(bool))
        {
            return JsonValue.Create(true);
        }

        if (depth > 4)
        {
            return null;
        }

        if (type.IsGenericType && type.GetGenericArguments() is [var key, var value] && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        {
            return key == typeof(string) ? new JsonObject { ["key"] = Generate(value, random, depth + 1) } : new JsonObject();
        }

        if (type.IsArray || (type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            return new JsonArray(Generate(element, random, depth + 1));
        }

        var result = new JsonObject();
        foreach (var parameter in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()?.GetParameters() ?? [])
        {
            result[char.ToLowerInvariant(parameter.Name![0]) + parameter.Name[1..]] = Generate(parameter.ParameterType, random, depth + 1);
        }

        return result;
    }

    /// <summary>Where the plausible request of an endpoint that changes state is accepted now: the caller whose role and
    /// area fit, and a case or item in the state the endpoint starts from. Endpoints without a hint (a new one) are
    /// found by trying each role on random ids.</summary>
    public async Task<FuzzTarget?> HintAsync(ApiEndpoint endpoint)
    {
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var users = await db.Users.Where(u => _tokens.Keys.Contains(u.UserName)).Select(u => new { u.UserName, u.OrgUnitId, Roles = u.Roles.Select(r => r.Role).ToList() }).ToListAsync();
        string? Secretary(int township) => users.FirstOrDefault(u => u.OrgUnitId == township && u.Roles.Contains("township-secretary"))?.UserName;
        async Task<FuzzTarget?> CaseIn(string stage, Func<Features.Cases.Case, string?> caller, string route = "id")
        {
            var found = await db.Cases.Where(c => c.Stage == stage && c.EndedAt == null).OrderBy(c => c.Id).FirstOrDefaultAsync();
            return found is null || caller(found) is not { } who ? null : new FuzzTarget(who, new Dictionary<string, string> { [route] = Text(found.Id) });
        }

        async Task<FuzzTarget?> ItemIn(Func<LedgerItem, bool> state, Func<LedgerItem, string?> caller)
        {
            var found = (await db.LedgerItems.Where(i => db.Cases.Any(c => c.Id == i.CaseId && c.EndedAt == null)).OrderBy(i => i.Id).ToListAsync()).FirstOrDefault(state);
            return found is null || caller(found) is not { } who ? null : new FuzzTarget(who, new Dictionary<string, string> { ["item"] = Text(found.Id) });
        }

        switch (endpoint.Name)
        {
            case "PUT /api/v1/cases/{id:int}/plan":
                return await CaseIn("planning", c => Secretary(c.TownshipId));
            case "PUT /api/v1/cases/{id:int}/acceptance":
                return await CaseIn("accepting", _ => "county-admin");
            case "POST /api/v1/cases/{id:int}/resume":
                var suspended = await db.Cases.Where(c => c.SuspendedAt != null).Select(c => (int?)c.Id).FirstOrDefaultAsync();
                return suspended is { } s ? new FuzzTarget("county-admin", new Dictionary<string, string> { ["id"] = Text(s) }) : null;
            case "POST /api/v1/cases/{id:int}/checklist/{item}/sign":
                var reviewing = await db.Cases.Where(c => c.Stage == "reviewing" && c.EndedAt == null).Include(c => c.Signatures).FirstOrDefaultAsync();
                var stage = reviewing is null ? null : scope.ServiceProvider.GetRequiredService<FlowCatalog>().Find(reviewing.FlowVersionId)?.Definition.FindStage(reviewing.Stage);
                var unsigned = stage?.Checklist.FirstOrDefault(i => reviewing!.Signatures.All(s => s.Item != i.Key));
                var signer = unsigned is null ? null : unsigned.Role == "township-secretary" ? Secretary(reviewing!.TownshipId) : users.FirstOrDefault(u => u.Roles.Contains(unsigned.Role))?.UserName;
                return signer is null ? null : new FuzzTarget(signer, new Dictionary<string, string> { ["id"] = Text(reviewing!.Id), ["item"] = unsigned!.Key });
            case "POST /api/v1/ledger/{item:int}/report" or "POST /api/v1/ledger/{item:int}/extensions":
                return await ItemIn(i => i.Status == LedgerStatus.Open && i.RequestedDeadline is null, i => Secretary(i.TownshipId));
            case "POST /api/v1/ledger/{item:int}/tick":
                return await ItemIn(i => i.Status == LedgerStatus.Reported, _ => "inspector");
            case "POST /api/v1/ledger/{item:int}/extensions/decision":
                return await ItemIn(i => i.RequestedDeadline is not null, _ => "county-admin");
            case "POST /api/v1/alerts/{id:long}/ack":
                var alerts = await db.Set<Alert>().OrderBy(a => a.Id).Take(200).ToListAsync();
                return alerts.Select(a => (Alert: a, User: users.FirstOrDefault(u => u.OrgUnitId == a.TargetOrgUnitId && u.Roles.Contains(a.TargetRole))))
                    .Where(x => x.User is not null).Select(x => new FuzzTarget(x.User!.UserName, new Dictionary<string, string> { ["id"] = x.Alert.Id.ToString(CultureInfo.InvariantCulture) }))
                    .FirstOrDefault();
            case "POST /api/v1/workflows/{key}/drafts/{draft:int}/publish":
                // The fuzzed uploads before have left the draft broken: save a good one again.
                using (var admin = _app.CreateClient())
                using (var yaml = new ByteArrayContent(_files["application/yaml"]))
                {
                    admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens["county-admin"]);
                    yaml.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
                    var saved = await (await admin.PostAsync("/api/v1/workflows", yaml)).JsonAsync();
                    return new FuzzTarget("county-admin", new Dictionary<string, string> { ["key"] = saved.GetProperty("key").GetString()!, ["draft"] = Text(saved.Id()) });
                }

            case "POST /api/v1/ledger/{item:int}/evidence":
                return await ItemIn(i => i.Status != LedgerStatus.Closed, i => Secretary(i.TownshipId));
            case "POST /api/v1/import/screening" or "POST /api/v1/cases":
                return new FuzzTarget("township-secretary", new Dictionary<string, string>());
            case "POST /api/v1/cases/{id:int}/actions/{action}":
                // An action that needs nothing but the role, on a case that may move.
                var flows = scope.ServiceProvider.GetRequiredService<FlowCatalog>();
                foreach (var open in await db.Cases.Where(c => c.EndedAt == null && c.SuspendedAt == null).OrderBy(c => c.Id).ToListAsync())
                {
                    var free = flows.Find(open.FlowVersionId)?.Definition.FindStage(open.Stage)?.Actions.FirstOrDefault(a => a.Fields.Count == 0 && a.Guards.Count == 0);
                    var actor = free?.Roles.Select(r => r == "township-secretary" ? Secretary(open.TownshipId) : users.FirstOrDefault(u => u.Roles.Contains(r))?.UserName).FirstOrDefault(u => u is not null);
                    if (actor is not null)
                    {
                        return new FuzzTarget(actor, new Dictionary<string, string> { ["id"] = Text(open.Id), ["action"] = free!.Key });
                    }
                }

                return null;
            case "POST /api/v1/cases/{id:int}/feedback":
                return await CaseIn("rectifying", _ => "inspector");
            default:
                return null;
        }
    }

    private static string Text(int id) => id.ToString(CultureInfo.InvariantCulture);

    private async Task<string> RouteValueAsync(string? previous, string name, int? caseId, Random random, bool plain)
    {
        if (plain || random.Next(10) < 8)
        {
            // An action or checklist item of the case's own stage, mostly: any other is refused before anything is read.
            if (caseId is { } id && previous is "actions" or "checklist" && random.Next(4) > 0 && await StageOfAsync(id) is { } stage)
            {
                var keys = previous == "actions" ? stage.Actions.Select(a => a.Key).ToList() : stage.Checklist.Select(c => c.Key).ToList();
                if (keys.Count > 0)
                {
                    return random.Pick(keys);
                }
            }

            if ((_pools.GetValueOrDefault(previous ?? "") ?? _pools.GetValueOrDefault(name)) is { Count: > 0 } pool)
            {
                return random.Pick(pool);
            }
        }

        return random.Pick(["0", "-1", "2147483647", "2147483648", "99999999999999999999", "abc", "%00", "..", "rectification ", "RECTIFICATION",
            "\u202E", "长", new string('x', 3000), "1.0", "１", "null"]);
    }

    private async Task<Rectification.Workflow.Definitions.StageDefinition?> StageOfAsync(int caseId)
    {
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var found = await db.Cases.Where(c => c.Id == caseId).Select(c => new { c.FlowVersionId, c.Stage }).SingleOrDefaultAsync();
        return found is null ? null : scope.ServiceProvider.GetRequiredService<FlowCatalog>().Find(found.FlowVersionId)?.Definition.FindStage(found.Stage);
    }

    /// <summary>A value for a query parameter or form field: mostly a real one for its name (an org id, a status, a
    /// stage...), else a hostile one, of the wrong type now and then.</summary>
    public string ValueFor(string name, Type type, Random random, bool plain)
    {
        var pool = _pools.GetValueOrDefault(name) ?? _pools.GetValueOrDefault(char.ToLowerInvariant(name[0]) + name[1..])
            ?? (type == typeof(int) && name is "county" or "township" or "village" ? _pools["orgs"] : null);
        if (name is "caseId" or "id")
        {
            pool = _pools["cases"];
        }

        if (plain || random.Next(10) < 4)
        {
            return pool is { Count: > 0 } ? random.Pick(pool)
                : type == typeof(bool) ? "true"
                : type == typeof(int) || type == typeof(long) ? "1"
                : "测试";
        }

        return random.Next(3) == 0 && (type == typeof(int) || type == typeof(long) || type == typeof(bool)) ? random.Pick(Hostile.Numbers) : random.Pick(Hostile.Strings);
    }

    /// <summary>A route value: mostly a real id or key for the route segment before it, else junk.</summary>
    public Task<string> RouteValueFor(string? previous, string name, int? caseId, Random random, bool plain) => RouteValueAsync(previous, name, caseId, random, plain);

    /// <summary>The case's current version, for If-Match and the pages' version fields.</summary>
    public Task<int?> VersionAsync(int caseId) => VersionOfAsync(caseId);

    /// <summary>A sample file of a content type, for uploads.</summary>
    public byte[] Sample(string contentType) => _files.GetValueOrDefault(contentType, Png);

    /// <summary>The signed-in API token of a demo caller.</summary>
    public string Token(string caller) => _tokens[caller];

    private static string Encode(string text, Random random, bool plain) =>
        !plain && random.Next(12) == 0 ? text.Replace("&", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal) : Uri.EscapeDataString(text);

    private async Task<int?> VersionOfAsync(int caseId)
    {
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Cases.Where(c => c.Id == caseId).Select(c => (int?)c.Version).SingleOrDefaultAsync();
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 8192)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A 1×1 PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}

/// <summary>Who sends a request and the route values it goes to.</summary>
public sealed record FuzzTarget(string Caller, IReadOnlyDictionary<string, string> Route);

/// <summary>A request built by <see cref="FuzzWorld"/>, with its target.</summary>
public sealed record FuzzRequest(HttpRequestMessage Message, FuzzTarget Target) : IDisposable
{
    public void Dispose() => Message.Dispose();
}
