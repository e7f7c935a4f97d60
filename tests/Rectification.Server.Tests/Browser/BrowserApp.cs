using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Browser;

/// <summary>The service on a real Kestrel socket at 127.0.0.1 (a free port), so a real browser can reach it; otherwise
/// the same as every integration test's app: a fresh SQLite file, the real Quartz scheduler, the fake clock.</summary>
public sealed class BrowserApp : RectificationApp
{
    public BrowserApp()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
    }

    public string BaseUrl { get; }
}
