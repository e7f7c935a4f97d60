using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Alerts;

/// <summary>Alerts leave through an outbox: a receiver on 127.0.0.1 that fails twice then succeeds gets the alert with one
/// dedup key, and nothing more once it has it.</summary>
public sealed class ChannelTests(ChannelTests.WebhookApp app) : AlertTestBase(app), IClassFixture<ChannelTests.WebhookApp>
{
    [Fact]
    public async Task Webhook_FailingTwiceThenSucceeding_GetsTheAlertOnce_WithRetriesAndBackoff()
    {
        var receiver = ((WebhookApp)App).Receiver;
        using var admin = await App.ClientForAsync("county-admin");
        using var secretary = await App.ClientForAsync("township-secretary");
        var (_, item) = await RectifyingCaseWithItemDueAsync(admin, secretary, "新立村", "2026-03-04");

        await At(new DateTimeOffset(2026, 3, 5, 9, 0, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        Assert.Single(receiver.Requests);
        using var county = await App.ClientForAsync("county-admin");
        var status = (await (await county.GetAsync("/api/v1/channels")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().Single();
        Assert.Equal((1, 1), (status.GetProperty("pending").GetInt32(), status.GetProperty("failing").GetInt32()));
        Assert.Contains("500", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        // Not yet due again: the backoff holds the retry back.
        await SweepAsync();
        Assert.Single(receiver.Requests);
        await At(new DateTimeOffset(2026, 3, 5, 9, 2, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await At(new DateTimeOffset(2026, 3, 5, 9, 5, 0, TimeSpan.FromHours(8)));
        await SweepAsync();
        await At(new DateTimeOffset(2026, 3, 5, 9, 30, 0, TimeSpan.FromHours(8)));
        await SweepAsync();

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.DedupKey).Distinct());
        Assert.Single(receiver.Requests.Select(r => r.Body).Distinct());
        Assert.Contains($"\"itemId\":{item}", receiver.Requests.First().Body, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"overdue\"", receiver.Requests.First().Body, StringComparison.Ordinal);
        using var countyLater = await App.ClientForAsync("county-admin");
        var after = (await (await countyLater.GetAsync("/api/v1/channels")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().Single();
        Assert.Equal(0, after.GetProperty("pending").GetInt32());
    }

    /// <summary>The service with one webhook channel for 丰满区 pointing at a receiver on loopback.</summary>
    public sealed class WebhookApp : RectificationApp
    {
        public WebhookReceiver Receiver { get; } = new(failures: 2);

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Channels:0:Name"] = "county-robot",
            ["Channels:0:Kind"] = "Webhook",
            ["Channels:0:Url"] = Receiver.Url,
            ["Channels:0:County"] = "220211",
            ["Channels:0:Dispatch"] = "false",
        };

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                Receiver.Dispose();
            }
        }
    }

    /// <summary>A webhook on 127.0.0.1 that answers 500 to its first requests, then 200, and remembers what it got.</summary>
    public sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _failures;

        public WebhookReceiver(int failures)
        {
            _failures = failures;
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<(string DedupKey, string Body)> Requests { get; } = new();

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                Requests.Enqueue((context.Request.Headers["X-Dedup-Key"] ?? "", await reader.ReadToEndAsync()));
                context.Response.StatusCode = Requests.Count <= _failures ? 500 : 200;
                context.Response.Close();
            }
        }
    }
}
