using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Users;
using Rectification.Workflow;

namespace Rectification.Server.Features.Demo;

/// <summary>Demo data switch, bound from the <c>Demo</c> section (true in Development).</summary>
public sealed record DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seed 吉林市/丰满区 with 49 villages, demo accounts and cases on an empty database. Default: false.</summary>
    public bool Seed { get; init; }

    /// <summary>The password of every demo account.</summary>
    public string Password { get; init; } = "Demo@2026";
}

/// <summary>Seeds the 丰满区 story of the source text: 49 villages in four townships, the six demo accounts, and a
/// handful of branches spread across the stages — moved there through the same handlers the API uses, so their
/// history is real.</summary>
public sealed class DemoSeeder(
    AppDbContext db,
    IPasswordHasher<User> hasher,
    TimeProvider clock,
    DemoOptions options,
    ProposeCase.Handler propose,
    TakeAction.Handler act,
    SignChecklistItem.Handler sign,
    SavePlan.Handler savePlan,
    ChangeLedgerItem.Handler ledger,
    CaseStore store,
    ILogger<DemoSeeder> logger)
{
    private static readonly (string Code, string Name, string[] Villages)[] Townships =
    [
        ("220211100", "旺起镇", ["旺起村", "孟家村", "东兴村", "西兴村", "红旗村", "胜利村", "丰收村", "太平村", "五家子村", "长岭村", "杨木村", "李家村", "新立村", "永安村"]),
        ("220211200", "江南乡", ["江南村", "丰满村", "沿江村", "新农村", "光明村", "前进村", "团结村", "向阳村", "民主村", "大荒地村", "小荒地村", "碾子沟村", "岔路河村"]),
        ("220211201", "前二道乡", ["铁西村", "山前村", "前二道村", "后二道村", "东山村", "西山村", "南沟村", "北沟村", "平安村", "新华村", "和平村", "兴隆村"]),
        ("220211202", "小白山乡", ["小白山村", "大白山村", "黄旗屯村", "白旗屯村", "蓝旗屯村", "红石村", "青山村", "清水村", "双河村", "三家子村"]),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.OrgUnits.AnyAsync(cancellationToken))
        {
            return;
        }

        // All or nothing: the check above skips a database with any org unit in it, so a start killed half-way through
        // seeding must leave none, or the demo stays half-seeded (no accounts to sign in with) for good.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await SeedAllAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await store.ScheduleDeferredAsync();
    }

    private async Task SeedAllAsync(CancellationToken cancellationToken)
    {
        var city = await AddUnitAsync("220200", "吉林市", OrgLevel.City, null, cancellationToken);
        var county = await AddUnitAsync("220211", "丰满区", OrgLevel.County, city, cancellationToken);
        var townships = new List<OrgUnit>();
        var villages = new Dictionary<string, OrgUnit>();
        foreach (var (code, name, villageNames) in Townships)
        {
            var township = await AddUnitAsync(code, name, OrgLevel.Township, county, cancellationToken);
            townships.Add(township);
            for (var i = 0; i < villageNames.Length; i++)
            {
                villages[villageNames[i]] = await AddUnitAsync($"{code}{i + 201:000}", villageNames[i], OrgLevel.Village, township, cancellationToken);
            }
        }

        var users = new[]
        {
            AddUser("county-admin", "刘组织（丰满区委组织部）", county, Roles.CountyAdmin),
            AddUser("township-secretary", "王书记（旺起镇党委）", townships[0], Roles.TownshipSecretary),
            AddUser("township-secretary-2", "李书记（江南乡党委）", townships[1], Roles.TownshipSecretary),
            AddUser("inspector", "赵督导（丰满区督导组）", county, Roles.Inspector),
            AddUser("first-secretary", "陈第一书记（孟家村）", villages["孟家村"], Roles.FirstSecretary),
            AddUser("city-viewer", "周调研（吉林市委组织部）", city, Roles.CityViewer),
            AddUser("city-admin", "吴组织（吉林市委组织部）", city, Roles.CountyAdmin),
        };
        await db.SaveChangesAsync(cancellationToken);
        var admin = ToCurrent(users[0], OrgLevel.County, county.Id);
        var secretary = ToCurrent(users[1], OrgLevel.Township, county.Id);
        var inspector = ToCurrent(users[3], OrgLevel.County, county.Id);

        var year = Workflow.Time.ShanghaiTime.DateOf(clock.GetUtcNow()).Year;
        var assignment = new Dictionary<string, string?>
        {
            ["countyLeader"] = "孙副区长",
            ["townshipMember"] = "乡镇组织委员 吴敏",
            ["firstSecretary"] = "区直选派第一书记",
            ["pairedDepartment"] = "区财政局",
        };
        string[] toReviewing = ["confirm", "assign", "submit-plan", "approve-plan", "request-acceptance"];
        await CaseAsync(villages["旺起村"], ["1"], secretary, 0);
        await CaseAsync(villages["孟家村"], ["4", "7"], secretary, 1);
        await CaseAsync(villages["东兴村"], ["2"], inspector, 2);
        await CaseAsync(villages["江南村"], ["9", "10"], admin, 3);
        await CaseAsync(villages["沿江村"], ["6"], inspector, 4);
        var reviewing = await CaseAsync(villages["红旗村"], ["3"], secretary, 5);
        await SignAsync(secretary, reviewing, "self-assessment", "村“两委”班子自评已完成");
        var accepting = await CaseAsync(villages["胜利村"], ["8"], secretary, 5);
        accepting = await SignAsync(secretary, accepting, "self-assessment", null);
        accepting = await SignAsync(admin, accepting, "cross-review", null);
        accepting = await SignAsync(inspector, accepting, "villagers-review", null);
        (await act.HandleAsync(admin, accepting.Id, "submit-reviews", accepting.Version, new TakeAction.Request(null, null), cancellationToken)).Unwrap();
        logger.LogInformation("Demo data seeded: {Villages} villages, {Users} accounts, 7 cases", villages.Count, users.Length);

        async Task<Case> SignAsync(CurrentUser signer, Case @case, string item, string? comment) =>
            (await sign.HandleAsync(signer, @case.Id, item, @case.Version, new SignChecklistItem.Request(comment), cancellationToken)).Unwrap();

        // Proposes a case and takes the first `steps` actions of the default flow: county actions by the county admin,
        // township actions by the secretary of the village's own township.
        async Task<Case> CaseAsync(OrgUnit village, string[] situations, CurrentUser proposer, int steps)
        {
            var source = proposer.Has(Roles.Inspector) ? "supervision-team" : "township-report";
            var request = new ProposeCase.Request(village.Id, year, situations, source, "年初摸底排查中发现");
            var @case = (await propose.HandleAsync(proposer, request, cancellationToken)).Unwrap();
            foreach (var action in toReviewing.Take(steps))
            {
                var actor = action is "submit-plan" or "request-acceptance" ? await SecretaryForAsync(@case.TownshipId) : admin;
                if (action == "submit-plan")
                {
                    @case = await PlanAsync(actor, @case, situations);
                }
                else if (action == "request-acceptance")
                {
                    await CloseLedgerAsync(actor, @case);
                }

                var input = new TakeAction.Request("演示数据", action == "assign" ? assignment : null);
                @case = (await act.HandleAsync(actor, @case.Id, action, @case.Version, input, cancellationToken)).Unwrap().Case;
            }

            return @case;
        }

        // One problem per situation, each with one measure: what a real plan looks like at its smallest.
        async Task<Case> PlanAsync(CurrentUser secretary, Case @case, string[] situations)
        {
            var deadline = Workflow.Time.ShanghaiTime.DateOf(clock.GetUtcNow()).AddMonths(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var problems = situations.Select(code => new SavePlan.ProblemInput(
                $"对照情形 {code} 排查出的问题",
                [code],
                [new SavePlan.MeasureInput($"针对情形 {code} 的整改措施", "问题整改到位，群众满意", "乡镇包村领导", "村党组织书记", deadline)])).ToList();
            (await savePlan.HandleAsync(secretary, @case.Id, @case.Version, new SavePlan.Request(problems), cancellationToken)).Unwrap();
            return @case;
        }

        async Task CloseLedgerAsync(CurrentUser secretary, Case @case)
        {
            foreach (var item in await db.LedgerItems.Where(i => i.CaseId == @case.Id).Select(i => i.Id).ToListAsync(cancellationToken))
            {
                (await ledger.ReportAsync(secretary, item, new ChangeLedgerItem.ReportRequest("已按期完成整改，资料已归档"), cancellationToken)).Unwrap();
                (await ledger.TickAsync(inspector, item, new ChangeLedgerItem.TickRequest("查看资料", null), cancellationToken)).Unwrap();
            }
        }
    }

    private async Task<CurrentUser> SecretaryForAsync(int townshipId)
    {
        var user = await db.Users.Include(u => u.Roles).FirstAsync(u => u.OrgUnitId == townshipId && u.Roles.Any(r => r.Role == Roles.TownshipSecretary));
        return ToCurrent(user, OrgLevel.Township, null);
    }

    private async Task<OrgUnit> AddUnitAsync(string code, string name, OrgLevel level, OrgUnit? parent, CancellationToken cancellationToken)
    {
        var unit = new OrgUnit { Code = code, Name = name, Level = level, ParentId = parent?.Id };
        db.OrgUnits.Add(unit);
        await db.SaveChangesAsync(cancellationToken);
        unit.Path = OrgUnit.ChildPath(parent?.Path ?? "/", unit.Id);
        await db.SaveChangesAsync(cancellationToken);
        return unit;
    }

    private User AddUser(string userName, string displayName, OrgUnit unit, string role)
    {
        var user = new User
        {
            UserName = userName,
            DisplayName = displayName,
            OrgUnitId = unit.Id,
            Roles = [new UserRole { Role = role }],
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, options.Password);
        db.Users.Add(user);
        return user;
    }

    private static CurrentUser ToCurrent(User user, OrgLevel level, int? county) =>
        new(user.Id, user.UserName, user.DisplayName, user.OrgUnitId, level, user.Roles.Select(r => r.Role).ToList(), county);
}
