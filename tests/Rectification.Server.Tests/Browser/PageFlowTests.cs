using System.Net;
using Microsoft.Playwright;
using Rectification.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rectification.Server.Tests.Browser;

/// <summary>The three groups' daily work, done in Chromium through the pages, against the service on 127.0.0.1.</summary>
[Collection(SharedChromium.Name)]
public sealed class PageFlowTests(Chromium chromium, BrowserApp app) : BrowserTest(chromium, app), IClassFixture<BrowserApp>
{
    // A real 1×1 PNG: the service checks a photo by its first bytes.
    private static readonly byte[] Photo = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task SecretarySubmitsPlanAndReportsWithPhoto_InspectorTicksOffFromLedgerPage()
    {
        var id = await CaseIdAsync("东兴村"); // in 一村一策, 旺起镇, situation 2
        var secretary = await SignInAsync("township-secretary");
        await secretary.GotoAsync("/");
        await Expect(secretary.GetByRole(AriaRole.Link, new() { Name = "旺起镇 东兴村" })).ToBeVisibleAsync();

        await secretary.GotoAsync($"/cases/{id}");
        await Expect(secretary.GetByRole(AriaRole.Button, new() { Name = "提交整顿方案" })).ToBeDisabledAsync();
        await secretary.GetByLabel("问题描述").FillAsync("村党组织书记长期不在村，班子战斗力弱");
        await secretary.GetByLabel("2. 党组织书记不胜任现职", new() { Exact = false }).CheckAsync();
        await secretary.GetByLabel("整改措施").FillAsync("调整配强村党组织书记，选派第一书记驻村");
        await secretary.GetByLabel("整改目标").FillAsync("班子健全，书记在岗在位");
        await secretary.GetByLabel("完成时限").FillAsync("2026-06-30");
        await secretary.GetByLabel("乡镇责任人").FillAsync("旺起镇组织委员 吴敏");
        await secretary.GetByLabel("村级责任人").FillAsync("东兴村党支部书记");
        await secretary.GetByRole(AriaRole.Button, new() { Name = "保存方案" }).First.ClickAsync();
        await Expect(secretary.GetByRole(AriaRole.Status)).ToHaveTextAsync("整顿方案已保存。");

        await secretary.GetByRole(AriaRole.Button, new() { Name = "提交整顿方案" }).ClickAsync();
        await Expect(secretary.GetByRole(AriaRole.Status)).ToHaveTextAsync("已办理。");
        Assert.Equal("plan-review", (await CaseAsync(id)).GetProperty("stage").GetProperty("key").GetString());

        // The county approves (its own page is tested below); approval turns the measure into a ledger item.
        using (var admin = await App.ClientForAsync("county-admin"))
        {
            await admin.ActOkAsync(id, "approve-plan");
        }

        await secretary.GotoAsync($"/cases/{id}");
        var item = secretary.Locator("article[id^=item-]");
        await Expect(item).ToContainTextAsync("调整配强村党组织书记");
        await item.GetByLabel("完成情况").FillAsync("已调整配强书记，第一书记到岗");
        await item.GetByLabel("证明材料", new() { Exact = false }).SetInputFilesAsync(new FilePayload { Name = "到岗照片.png", MimeType = "image/png", Buffer = Photo });
        await item.GetByRole(AriaRole.Button, new() { Name = "报告完成" }).ClickAsync();
        await Expect(secretary.GetByRole(AriaRole.Status)).ToHaveTextAsync("已报告完成，等待督导组核验销号。");
        await Expect(item).ToContainTextAsync("待核验");
        var img = item.GetByRole(AriaRole.Img, new() { Name = "证明材料：到岗照片.png" });
        await Expect(img).ToBeVisibleAsync();
        // The photo is served back to the page: wait for it to load, then read its real size.
        await secretary.WaitForFunctionAsync("() => { const i = document.querySelector('img[alt=\"证明材料：到岗照片.png\"]'); return i && i.complete && i.naturalWidth > 0; }");
        Assert.Equal(1, await img.EvaluateAsync<int>("i => i.naturalWidth"));

        var inspector = await SignInAsync("inspector");
        await inspector.GotoAsync("/ledger?status=reported");
        var row = inspector.GetByRole(AriaRole.Row).Filter(new() { HasText = "调整配强村党组织书记" });
        await row.GetByLabel("核实方式").SelectOptionAsync("实地走访");
        await row.GetByRole(AriaRole.Button, new() { Name = "销号" }).ClickAsync();
        await Expect(inspector.GetByRole(AriaRole.Status)).ToContainTextAsync("已销号");
        await inspector.GotoAsync("/ledger?status=closed");
        await Expect(inspector.GetByRole(AriaRole.Row).Filter(new() { HasText = "调整配强村党组织书记" })).ToContainTextAsync("已销号");

        using var client = await App.ClientForAsync("county-admin");
        var history = await (await client.GetAsync($"/api/v1/cases/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("action").GetString() == "tick" && h.GetProperty("actor").GetString()!.Contains("赵督导", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusedPlan_ShowsTheErrorsBesideTheFields_AndKeepsWhatWasTyped()
    {
        var id = await PlanningCaseAsync("西兴村");
        var before = (await CaseAsync(id)).GetProperty("version").GetInt32();
        var secretary = await SignInAsync("township-secretary");
        await secretary.GotoAsync($"/cases/{id}");
        await secretary.GetByLabel("问题描述").FillAsync("只写了问题，没写措施");
        await secretary.GetByLabel("完成时限").FillAsync("2025-01-01");
        await secretary.GetByRole(AriaRole.Button, new() { Name = "保存方案" }).First.ClickAsync();

        await Expect(secretary.GetByText("问题1 措施1 完成时限：时限已过，请填写今天以后的日期。")).ToBeVisibleAsync();
        await Expect(secretary.GetByText("问题1 对应情形：请至少勾选一种对应的软弱涣散情形。")).ToBeVisibleAsync();
        await Expect(secretary.GetByLabel("问题描述")).ToHaveValueAsync("只写了问题，没写措施");
        await Expect(secretary.GetByLabel("完成时限")).ToHaveValueAsync("2025-01-01");
        Assert.Equal(before, (await CaseAsync(id)).GetProperty("version").GetInt32());
    }

    /// <summary>A new case of a 旺起镇 village brought to 一村一策 over the API, for a test that must not share one.</summary>
    private async Task<int> PlanningCaseAsync(string village)
    {
        using var admin = await App.ClientForAsync("county-admin");
        var id = (await admin.ProposeAsync(await App.OrgIdAsync(village), "2")).GetProperty("id").GetInt32();
        await admin.ActOkAsync(id, "confirm");
        await admin.ActOkAsync(id, "assign", new
        {
            fields = new { countyLeader = "孙副区长", townshipMember = "吴敏", firstSecretary = "选派第一书记", pairedDepartment = "区财政局" },
        });
        return id;
    }

    [Fact]
    public async Task CountyAdmin_RecordsScoresAndPassesAcceptance()
    {
        var id = await CaseIdAsync("胜利村"); // in 县级验收
        var admin = await SignInAsync("county-admin");
        await admin.GotoAsync($"/cases/{id}");
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "验收通过" })).ToBeDisabledAsync();
        await Expect(admin.GetByText("尚未录入验收评分。")).ToBeVisibleAsync();

        foreach (var input in await admin.Locator("input[name^='score.']").AllAsync())
        {
            var label = await admin.Locator($"label[for='{await input.GetAttributeAsync("id")}']").InnerTextAsync();
            var full = label[(label.IndexOf("满分 ", StringComparison.Ordinal) + 3)..].TrimEnd('）');
            await input.FillAsync(full);
        }

        await admin.GetByLabel("满意", new() { Exact = true }).FillAsync("8");
        await admin.GetByLabel("基本满意").FillAsync("2");
        await admin.GetByLabel("不满意").FillAsync("0");
        await admin.GetByRole(AriaRole.Button, new() { Name = "记录验收评分" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToHaveTextAsync("验收评分已记录。");
        await Expect(admin.Locator("#acceptance ~ p .badge, section:has(#acceptance) .badge").First).ToHaveTextAsync("合格");

        await admin.GetByRole(AriaRole.Button, new() { Name = "验收通过" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToHaveTextAsync("已办理。");
        await Expect(admin.Locator("h1 .badge")).ToHaveTextAsync("转化提升");
        Assert.Equal("converted", (await CaseAsync(id)).GetProperty("stage").GetProperty("key").GetString());
    }

    [Fact]
    public async Task SecretaryOfAnotherTownship_CannotOpenTheCase()
    {
        var id = await CaseIdAsync("东兴村"); // 旺起镇
        var other = await SignInAsync("township-secretary-2"); // 江南乡
        var response = await other.GotoAsync($"/cases/{id}");
        Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
        await Expect(other.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("未找到");
        await Expect(other.Locator("main")).Not.ToContainTextAsync("东兴村");

        await other.GotoAsync("/ledger");
        await Expect(other.Locator("tbody")).Not.ToContainTextAsync("旺起镇");
        var photo = await other.GotoAsync("/evidence/1");
        Assert.Equal((int)HttpStatusCode.NotFound, photo!.Status);
        var flows = await other.GotoAsync("/flows");
        await Expect(other.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("无权访问");
        Assert.Equal((int)HttpStatusCode.Forbidden, flows!.Status);
    }

    [Fact]
    public async Task CountyAdmin_PublishesAChangedFlow_SeeingErrorsAtTheirLinesAndTheDiff()
    {
        var admin = await SignInAsync("county-admin");
        await admin.GotoAsync("/flows");
        await admin.GetByRole(AriaRole.Link, new() { Name = "编辑" }).ClickAsync();
        var editor = admin.GetByLabel("流程定义（YAML）");
        var original = await editor.InputValueAsync();
        Assert.Contains("deadline: 15 working days", original, StringComparison.Ordinal);

        // A broken file uploaded first: the error names its line, the file's text is in the editor, and nothing is saved.
        var broken = original.Replace("    deadline: 15 working days", "    deadline: fifteen days", StringComparison.Ordinal);
        await admin.GetByLabel("或上传流程文件", new() { Exact = false }).SetInputFilesAsync(new FilePayload
        {
            Name = "rectification.yaml",
            MimeType = "text/yaml",
            Buffer = System.Text.Encoding.UTF8.GetBytes(broken),
        });
        await admin.GetByRole(AriaRole.Button, new() { Name = "上传并检查" }).ClickAsync();
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("fifteen", StringComparison.Ordinal)) + 1;
        await Expect(admin.Locator("#check ~ ul li.error").First).ToContainTextAsync($"第 {line} 行");
        await Expect(editor).ToHaveValueAsync(broken.Replace("\r", "", StringComparison.Ordinal));

        var changed = original.Replace("    deadline: 15 working days", "    deadline: 20 working days", StringComparison.Ordinal);
        await editor.FillAsync(changed);
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存草稿" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("检查通过");
        await Expect(admin.Locator("ul.diff")).ToContainTextAsync("20 working days");

        await admin.GetByRole(AriaRole.Button, new() { Name = "发布" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("已发布第 2 版");
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("迁移运行中的案件");

        using var client = await App.ClientForAsync("county-admin");
        var flow = await (await client.GetAsync("/api/v1/workflows/rectification")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, flow.GetProperty("version").GetInt32());
        Assert.Contains(flow.GetProperty("stages").EnumerateArray(), s => s.GetProperty("deadline").GetString() == "20 working days");

        await admin.GetByRole(AriaRole.Button, new() { Name = "试运行" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "试运行结果（未做任何修改）" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task OnAPhone_TheCasePageFits_AndOnPaperTheLedgerDropsNavigationAndForms()
    {
        var id = await CaseIdAsync("沿江村"); // 江南乡, 集中整顿, with ledger items
        var secretary = await SignInAsync("township-secretary-2");
        await secretary.SetViewportSizeAsync(390, 844);
        await secretary.GotoAsync($"/cases/{id}");
        await secretary.EvaluateAsync("() => document.querySelectorAll('details').forEach(d => d.open = true)");
        Assert.True(await secretary.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "The page scrolls sideways on a phone.");
        await Expect(secretary.GetByRole(AriaRole.Button, new() { Name = "报告完成" }).First).ToBeVisibleAsync();

        var inspector = await SignInAsync("inspector");
        await inspector.GotoAsync("/ledger");
        await inspector.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await Expect(inspector.GetByRole(AriaRole.Navigation, new() { Name = "主菜单" })).ToBeHiddenAsync();
        await Expect(inspector.GetByRole(AriaRole.Button, new() { Name = "筛选" })).ToBeHiddenAsync();
        await Expect(inspector.Locator("tbody tr").First).ToBeVisibleAsync();
        Directory.CreateDirectory(Chromium.Screenshots);
        await inspector.PdfAsync(new PagePdfOptions { Path = Path.Combine(Chromium.Screenshots, "ledger-printed.pdf"), Format = "A4", Landscape = true });
    }
}
