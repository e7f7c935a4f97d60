using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Browser;

/// <summary>What browser tests share: a page signed in as a demo user, a screenshot of the last page of every test, and
/// finding demo cases by village.</summary>
public abstract class BrowserTest(Chromium chromium, BrowserApp app) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    private IPage? _last;

    // The test that signed in first names the screenshot (xunit 2 does not tell a test its own name).
    private string? _test;

    protected BrowserApp App { get; } = app;

    protected Chromium Chromium { get; } = chromium;

    /// <summary>A fresh browser (own cookies) signed in through the login page as a demo user.</summary>
    protected async Task<IPage> SignInAsync(string userName, bool bypassCsp = false, [CallerMemberName] string test = "")
    {
        _test ??= test;
        var context = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseUrl,
            Locale = "zh-CN",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            BypassCSP = bypassCsp,
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        _last = page;
        await page.GotoAsync("/login");
        Showing(page);
        await page.GetByLabel("用户名").FillAsync(userName);
        await page.GetByLabel("密码").FillAsync("Demo@2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        // Signed in once the browser has left the login page and the page shows the signed-in menu. Both are polled on the
        // page; no load event is awaited. Under load Playwright now and then missed the new document's load events and
        // waited its whole 30 s with the page long loaded and the network idle. WaitForURLAsync is no way round that:
        // when the address already matches it waits for the load event whatever WaitUntil says.
        // Sign-in hashes the password: more than the assertions' usual 5 s is allowed for a loaded machine.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/login"), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "主菜单" })).ToBeAttachedAsync();
        return page;
    }

    /// <summary>Marks the page whose screenshot the test leaves behind.</summary>
    protected void Showing(IPage page) => _last = page;

    protected Task<int> CaseIdAsync(string village) => App.CaseIdAsync(village);

    protected async Task<JsonElement> CaseAsync(int id)
    {
        using var client = await App.ClientForAsync("county-admin");
        return await client.GetCaseAsync(id);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_last is not null)
        {
            Directory.CreateDirectory(Chromium.Screenshots);
            var name = GetType().Name + "-" + _test;
            await _last.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, name + ".png"), FullPage = true });
        }

        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }
}
