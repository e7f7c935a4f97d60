using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Xml;
using Rectification.Workflow.Time;

namespace Rectification.Server.Tests.Reliability;

/// <summary>One request of the harness as its history entry must show it, with what the service answered. Kind and
/// Action are the history entry's; Token is the unique text the request put in its comment, note or reason, so the entry
/// can be found again (null where the history keeps no text of the request: plan and acceptance saves, counted instead).</summary>
public sealed record Op(int Round, string Kind, string Action, int? CaseId, int? ItemId, string? Token, Outcome Outcome, int Status, int? Version,
    string? Stage, IReadOnlyList<int>? Items);

/// <summary>The demo's two townships that have a secretary account: who reports their items, and their villages (by id,
/// and by name as the ledger shows them).</summary>
public sealed record CrashWorld(IReadOnlyDictionary<int, string> Secretaries, IReadOnlyDictionary<int, int> TownshipOfVillage,
    IReadOnlyDictionary<string, int> VillageByName, int FirstSecretaryVillage);

/// <summary>The load the service is killed under: case drivers taking each case through its flow (propose, confirm,
/// assign, plan, approve or return, feedback, suspend and resume, request acceptance, checklist, acceptance, pass or
/// 回炉), ledger workers reporting, ticking off (now and then twice at once) and reopening items, and a drill clock moved
/// on by days so deadlines fall due under the sweep. Every change request is journalled with its outcome.</summary>
public sealed class CrashWorkload(CrashWorld world, int seed)
{
    public const string Admin = "county-admin";
    public const string Inspector = "inspector";
    public const string FirstSecretary = "first-secretary";

    /// <summary>How far the drill clock may move in all: a month keeps the run inside the published calendars.</summary>
    public static readonly TimeSpan ClockCap = TimeSpan.FromDays(30);

    private static readonly string[] Methods = ["书记访谈", "查看资料", "实地走访", "群众座谈"];

    private readonly ConcurrentQueue<Op> _journal = new();
    private readonly ConcurrentDictionary<int, byte> _cases = new();
    private readonly ConcurrentDictionary<int, byte> _claimed = new();
    private readonly ConcurrentDictionary<int, byte> _freeVillages = new();
    private int _tokens;
    private long _offsetTicks;
    private int _advances;
    private int _acknowledged;

    public IReadOnlyCollection<Op> Journal => _journal;

    /// <summary>The drill clock's offset as far as the harness knows, or further when a move was cut off by the kill; a
    /// restart loses it (it lives in memory), so the harness moves the new process's clock on by it again.</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public int Advances => _advances;

    /// <summary>Changes acknowledged so far, so the harness can wait for the load to be under way before it picks the
    /// moment of the kill.</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>Before the first round: inspectors' feedback forms on the demo cases past planning, so tick-offs have
    /// items to race for from the start.</summary>
    public async Task SeedLedgerAsync(CrashSession session, IEnumerable<int> cases)
    {
        var context = new Context(0, 0, session, new Random(Mix(0, 0)), CancellationToken.None);
        foreach (var caseId in cases)
        {
            var got = await session.GetAsync(Admin, $"/api/v1/cases/{caseId}", CancellationToken.None);
            if (got.Ok && got.CaseState.Stage is "rectifying" or "reviewing")
            {
                await FeedbackAsync(context, caseId, got.Body, 6);
            }
        }
    }

    /// <summary>Drives the service until <paramref name="stop"/> (cancelled right after the kill). <paramref name="cases"/>
    /// are the cases still to be driven and <paramref name="freeVillages"/> the villages without an open case, as the
    /// database said after the last restart.</summary>
    public Task RunAsync(int round, CrashSession session, IEnumerable<int> cases, IEnumerable<int> freeVillages, TimeSpan killAt, CancellationToken stop)
    {
        _cases.Clear();
        _claimed.Clear();
        _freeVillages.Clear();
        foreach (var id in cases)
        {
            _cases[id] = 0;
        }

        foreach (var id in freeVillages)
        {
            _freeVillages[id] = 0;
        }

        var workers = new List<Task>();
        for (var i = 0; i < 2; i++)
        {
            var context = new Context(round, i, session, new Random(Mix(round, i)), stop);
            workers.Add(Task.Run(() => LoopAsync(context, DriveAsync), CancellationToken.None));
        }

        for (var i = 2; i < 5; i++)
        {
            var context = new Context(round, i, session, new Random(Mix(round, i)), stop);
            var items = new List<LedgerRow>();
            workers.Add(Task.Run(() => LoopAsync(context, x => LedgerStepAsync(x, items)), CancellationToken.None));
        }

        var clock = new Context(round, 5, session, new Random(Mix(round, 5)), stop);
        workers.Add(Task.Run(() => MoveClockAsync(clock, killAt), CancellationToken.None));
        return Task.WhenAll(workers);
    }

    // Not HashCode.Combine: it is salted per process, and a seed must draw the same choices in a replay.
    private int Mix(int round, int worker) => unchecked(((seed * 31) + round) * 31 + worker);

    private static async Task LoopAsync(Context x, Func<Context, Task> step)
    {
        while (!x.Stop.IsCancellationRequested)
        {
            await step(x);
        }
    }

    private string NewToken(Context x) => $"[crash r{x.Round}-w{x.Worker}-{Interlocked.Increment(ref _tokens)}]";

    private void Record(Context x, string kind, string action, int? caseId, int? itemId, string? token, Reply reply, IReadOnlyList<int>? items = null)
    {
        var (version, stage) = reply.Ok ? reply.CaseState : (null, null);
        if (reply.Ok)
        {
            Interlocked.Increment(ref _acknowledged);
        }

        _journal.Enqueue(new Op(x.Round, kind, action, caseId, itemId, token, reply.Outcome, reply.Status, version, stage, items));
    }

    private DateOnly SimulatedToday() => ShanghaiTime.DateOf(TimeProvider.System.GetUtcNow() + Offset);

    private string Deadline(Context x) => SimulatedToday().AddDays(x.Random.Next(0, 5)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // ---- case drivers

    private async Task DriveAsync(Context x)
    {
        var free = _freeVillages.Keys.ToList();
        var candidates = _cases.Keys.Where(id => !_claimed.ContainsKey(id)).ToList();
        if (free.Count > 0 && (candidates.Count == 0 || x.Random.NextDouble() < 0.15))
        {
            await ProposeAsync(x, free[x.Random.Next(free.Count)]);
            return;
        }

        if (candidates.Count == 0)
        {
            // Nothing left to drive this round: pace the loop rather than spin.
            await Delay(100, x.Stop);
            return;
        }

        var caseId = candidates[x.Random.Next(candidates.Count)];
        if (!_claimed.TryAdd(caseId, 0))
        {
            return;
        }

        try
        {
            await StepCaseAsync(x, caseId);
        }
        finally
        {
            _claimed.TryRemove(caseId, out _);
        }
    }

    private async Task ProposeAsync(Context x, int village)
    {
        if (!_freeVillages.TryRemove(village, out _))
        {
            return;
        }

        var token = NewToken(x);
        var situations = Enumerable.Range(1, 10).OrderBy(_ => x.Random.Next()).Take(x.Random.Next(1, 3)).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
        var reply = await x.Session.SendAsync(world.Secretaries[world.TownshipOfVillage[village]], HttpMethod.Post, "/api/v1/cases",
            new { villageId = village, year = SimulatedToday().Year, situations, source = "township-report", note = token }, null, x.Stop);
        var id = reply.Ok && reply.Body.ValueKind == JsonValueKind.Object ? reply.Body.GetProperty("id").GetInt32() : (int?)null;
        Record(x, "propose", "", id, null, token, reply);
        if (id is { } created)
        {
            _cases[created] = 0;
        }
    }

    private async Task StepCaseAsync(Context x, int caseId)
    {
        var got = await x.Session.GetAsync(Admin, $"/api/v1/cases/{caseId}", x.Stop);
        if (!got.Ok || got.Body.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var (version, stage) = got.CaseState;
        var v = version!.Value;
        var secretary = world.Secretaries[got.Body.GetProperty("township").GetProperty("id").GetInt32()];
        if (got.Body.GetProperty("suspendedAt").ValueKind != JsonValueKind.Null)
        {
            if (x.Random.NextDouble() < 0.7)
            {
                await SuspensionAsync(x, caseId, "resume", v);
            }

            return;
        }

        if (stage is "converted" or "closed" or "dismissed")
        {
            _cases.TryRemove(caseId, out _);
            return;
        }

        if (x.Random.NextDouble() < 0.04)
        {
            await SuspensionAsync(x, caseId, "suspend", v);
            return;
        }

        switch (stage)
        {
            case "proposed":
                await ActAsync(x, Admin, caseId, x.Random.NextDouble() < 0.15 ? "dismiss" : "confirm", v);
                break;
            case "assigning":
                await ActAsync(x, Admin, caseId, "assign", v, new Dictionary<string, string?>
                {
                    ["countyLeader"] = "孙副区长",
                    ["townshipMember"] = "乡镇组织委员 吴敏",
                    ["firstSecretary"] = "区直选派第一书记",
                    ["pairedDepartment"] = "区财政局",
                });
                break;
            case "planning":
                if (x.Random.NextDouble() < 0.6)
                {
                    await SavePlanAsync(x, secretary, caseId, v, got.Body);
                }
                else
                {
                    await ActAsync(x, secretary, caseId, "submit-plan", v);
                }

                break;
            case "plan-review":
                await ActAsync(x, Admin, caseId, x.Random.NextDouble() < 0.2 ? "return-plan" : "approve-plan", v);
                break;
            case "rectifying":
                if (x.Random.NextDouble() < 0.3)
                {
                    await FeedbackAsync(x, caseId, got.Body);
                }
                else
                {
                    await ActAsync(x, secretary, caseId, "request-acceptance", v);
                }

                break;
            case "reviewing":
                var unsigned = got.Body.GetProperty("checklist").EnumerateArray().FirstOrDefault(i => !i.GetProperty("isSigned").GetBoolean());
                if (unsigned.ValueKind == JsonValueKind.Object)
                {
                    var role = unsigned.GetProperty("role").GetString();
                    var signer = role == "township-secretary" ? secretary : role == "inspector" ? Inspector : Admin;
                    var item = unsigned.GetProperty("key").GetString()!;
                    var token = NewToken(x);
                    var reply = await x.Session.SendAsync(signer, HttpMethod.Post, $"/api/v1/cases/{caseId}/checklist/{item}/sign", new { comment = token }, v, x.Stop);
                    Record(x, "sign", item, caseId, null, token, reply);
                }
                else
                {
                    await ActAsync(x, Admin, caseId, "submit-reviews", v);
                }

                break;
            case "accepting":
                var roll = x.Random.NextDouble();
                if (roll < 0.2)
                {
                    await ActAsync(x, Admin, caseId, "fail", v);
                }
                else if (roll < 0.5)
                {
                    await RecordAcceptanceAsync(x, caseId, v);
                }
                else
                {
                    await ActAsync(x, Admin, caseId, "pass", v);
                }

                break;
            default:
                throw new InvalidOperationException($"The harness does not know stage '{stage}'.");
        }
    }

    private async Task ActAsync(Context x, string user, int caseId, string action, int version, Dictionary<string, string?>? fields = null)
    {
        var token = NewToken(x);
        var reply = await x.Session.SendAsync(user, HttpMethod.Post, $"/api/v1/cases/{caseId}/actions/{action}", new { comment = "演练 " + token, fields },
            version, x.Stop);
        Record(x, "action", action, caseId, null, token, reply);
    }

    private async Task SuspensionAsync(Context x, int caseId, string action, int version)
    {
        var token = NewToken(x);
        var reply = await x.Session.SendAsync(Admin, HttpMethod.Post, $"/api/v1/cases/{caseId}/{action}", new { reason = "村“两委”换届 " + token }, version, x.Stop);
        Record(x, "suspension", action, caseId, null, token, reply);
    }

    private async Task SavePlanAsync(Context x, string secretary, int caseId, int version, JsonElement @case)
    {
        var problems = @case.GetProperty("situations").EnumerateArray().Select(s => s.GetProperty("code").GetString()!).Select(code => new
        {
            description = $"对照情形 {code} 排查出的问题",
            situations = new[] { code },
            measures = Enumerable.Range(1, x.Random.Next(1, 3)).Select(m => new
            {
                measure = $"情形 {code} 整改措施 {m}",
                target = "问题整改到位，群众满意",
                townshipResponsible = "乡镇包村领导",
                villageResponsible = "村党组织书记",
                deadline = Deadline(x),
            }).ToArray(),
        }).ToArray();
        var reply = await x.Session.SendAsync(secretary, HttpMethod.Put, $"/api/v1/cases/{caseId}/plan", new { problems }, version, x.Stop);
        Record(x, "plan", "save-plan", caseId, null, null, reply);
    }

    private async Task FeedbackAsync(Context x, int caseId, JsonElement @case, int? count = null)
    {
        var code = @case.GetProperty("situations").EnumerateArray().First().GetProperty("code").GetString()!;
        var token = NewToken(x);
        var problems = Enumerable.Range(1, count ?? x.Random.Next(1, 4)).Select(i => new
        {
            problem = $"督导发现的问题 {i}",
            measure = $"督导反馈整改措施 {i}",
            situations = new[] { code },
            townshipResponsible = "乡镇包村领导",
            villageResponsible = "村党组织书记",
            deadline = Deadline(x),
        }).ToArray();
        var reply = await x.Session.SendAsync(Inspector, HttpMethod.Post, $"/api/v1/cases/{caseId}/feedback", new { visit = "实地走访 " + token, problems }, null,
            x.Stop);
        var items = reply.Ok && reply.Body.ValueKind == JsonValueKind.Array ? reply.Body.EnumerateArray().Select(i => i.GetProperty("id").GetInt32()).ToList() : null;
        Record(x, "ledger", "feedback", caseId, null, token, reply, items);
    }

    private async Task RecordAcceptanceAsync(Context x, int caseId, int version)
    {
        var sheet = await x.Session.GetAsync(Admin, $"/api/v1/cases/{caseId}/acceptance", x.Stop);
        if (!sheet.Ok || sheet.Body.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var scores = sheet.Body.GetProperty("sheet").GetProperty("areas").EnumerateArray().SelectMany(a => a.GetProperty("items").EnumerateArray())
            .ToDictionary(i => i.GetProperty("key").GetString()!, i => i.GetProperty("points").GetDecimal() * 0.9m);
        var reply = await x.Session.SendAsync(Admin, HttpMethod.Put, $"/api/v1/cases/{caseId}/acceptance",
            new { scores, rating = new { satisfied = 40, basicallySatisfied = 0, dissatisfied = 2 }, note = "书记访谈、查看资料、实地走访、群众座谈" }, version, x.Stop);
        Record(x, "acceptance", "record-acceptance", caseId, null, null, reply);
    }

    // ---- ledger workers

    private sealed record LedgerRow(int Id, int CaseId, int Village, int Township)
    {
        public string Status { get; set; } = "";
    }

    private async Task LedgerStepAsync(Context x, List<LedgerRow> items)
    {
        if (items.Count == 0 || x.Random.NextDouble() < 0.08)
        {
            await RefreshAsync(x, items);
            if (items.Count == 0)
            {
                await Delay(100, x.Stop);
                return;
            }
        }

        var item = items[x.Random.Next(items.Count)];
        var roll = x.Random.NextDouble();
        switch (item.Status)
        {
            case "open":
                var reporter = item.Village == world.FirstSecretaryVillage && roll < 0.5 ? FirstSecretary : world.Secretaries[item.Township];
                await ChangeItemAsync(x, item, reporter, "report", t => new { note = "已整改 " + t });
                break;
            case "reported" when roll < 0.15:
                // Two inspectors tick the same item in the same instant: one wins, the other is refused.
                await Task.WhenAll(
                    ChangeItemAsync(x, item, Inspector, "tick", t => new { method = Methods[x.Worker % 4], note = t }),
                    ChangeItemAsync(x, item, Inspector, "tick", t => new { method = Methods[(x.Worker + 1) % 4], note = t }));
                break;
            case "reported" when roll < 0.75:
                await ChangeItemAsync(x, item, Inspector, "tick", t => new { method = Methods[x.Random.Next(4)], note = t });
                break;
            case "reported":
            case "closed" when roll < 0.3:
                await ChangeItemAsync(x, item, Inspector, "reopen", t => new { reason = "复查未到位 " + t });
                break;
            default:
                break;
        }
    }

    private async Task ChangeItemAsync(Context x, LedgerRow item, string user, string action, Func<string, object> body)
    {
        var token = NewToken(x);
        var reply = await x.Session.SendAsync(user, HttpMethod.Post, $"/api/v1/ledger/{item.Id}/{action}", body(token), null, x.Stop);
        Record(x, "ledger", action, item.CaseId, item.Id, token, reply);
        if (reply.Ok && reply.Body.ValueKind == JsonValueKind.Object)
        {
            item.Status = reply.Body.GetProperty("status").GetString()!;
        }
        else if (reply.Outcome == Outcome.Refused)
        {
            // Someone else changed it first; read the ledger again before the next pick.
            item.Status = "";
        }
    }

    private async Task RefreshAsync(Context x, List<LedgerRow> items)
    {
        var fresh = new List<LedgerRow>();
        for (var page = 1; ; page++)
        {
            var reply = await x.Session.GetAsync(Inspector, $"/api/v1/ledger?pageSize=200&sort=id&page={page}", x.Stop);
            if (!reply.Ok || reply.Body.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            var rows = reply.Body.GetProperty("items").EnumerateArray().ToList();
            foreach (var row in rows)
            {
                if (world.VillageByName.TryGetValue(row.GetProperty("village").GetString()!, out var village))
                {
                    fresh.Add(new LedgerRow(row.GetProperty("id").GetInt32(), row.GetProperty("caseId").GetInt32(), village, world.TownshipOfVillage[village])
                    {
                        Status = row.GetProperty("status").GetString()!,
                    });
                }
            }

            if (rows.Count < 200)
            {
                break;
            }
        }

        items.Clear();
        items.AddRange(fresh);
    }

    // ---- the drill clock

    private async Task MoveClockAsync(Context x, TimeSpan killAt)
    {
        // One or two moves at random moments of the round, a day each, so deadlines fall due while requests are running.
        var moves = x.Random.Next(1, 3);
        var before = Acknowledged;
        while (Acknowledged == before && !x.Stop.IsCancellationRequested)
        {
            // The harness's kill moment is counted from the load's first success; so are the clock's moves.
            await Delay(20, x.Stop);
        }

        for (var i = 0; i < moves && !x.Stop.IsCancellationRequested; i++)
        {
            await Delay((int)(killAt.TotalMilliseconds * x.Random.NextDouble() / moves), x.Stop);
            if (Offset + TimeSpan.FromDays(1) > ClockCap)
            {
                return;
            }

            var reply = await x.Session.SendAsync(Admin, HttpMethod.Post, "/api/v1/admin/clock/advance", new { by = "P1D" }, null, x.Stop);
            if (reply.Ok && reply.Body.ValueKind == JsonValueKind.Object)
            {
                Offset = XmlConvert.ToTimeSpan(reply.Body.GetProperty("offset").GetString()!);
                Interlocked.Increment(ref _advances);
            }
            else if (reply.Outcome == Outcome.Unknown)
            {
                // The move may have happened, and the service may have stamped rows with the later time (an outbox message
                // is due from when it was made): the restarted clock must not come back earlier than that.
                Offset += TimeSpan.FromDays(1);
            }
        }
    }

    private static async Task Delay(int milliseconds, CancellationToken stop)
    {
        try
        {
            await Task.Delay(milliseconds, stop);
        }
        catch (OperationCanceledException)
        {
            // The round is over.
        }
    }

    private sealed record Context(int Round, int Worker, CrashSession Session, Random Random, CancellationToken Stop);
}
