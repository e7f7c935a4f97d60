using Microsoft.Playwright;

namespace Rectification.Server.Tests.Browser;

/// <summary>Debian's Chromium driven by Playwright, one browser for all browser tests; each test opens its own context
/// (its own cookies). tests/run.sh installs Chromium and axe-core when they are missing.</summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository's root, found from the test binaries upwards.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Where each test leaves a screenshot of its last page.</summary>
    public static string Screenshots { get; } = Path.Combine(RepositoryRoot, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run tests/run.sh, which installs Debian's chromium package.");
        }

        _playwright = await Playwright.CreateAsync();
        // Without the background-networking flags Chromium keeps dialling Google's hosts, which this offline machine refuses.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Rectification.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Rectification.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Browser tests share one Chromium and run one class at a time (two cores: a second browser would only slow both).</summary>
[CollectionDefinition(Name)]
public sealed class SharedChromium : ICollectionFixture<Chromium>
{
    public const string Name = "Browser";
}
