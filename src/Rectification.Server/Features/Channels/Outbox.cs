using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;

namespace Rectification.Server.Features.Channels;

/// <summary>The formats offices' group robots and systems take.</summary>
public enum ChannelKind
{
    /// <summary>Generic JSON.</summary>
    Webhook,

    /// <summary>WeCom (企业微信) group robot markdown.</summary>
    WeCom,

    /// <summary>DingTalk (钉钉) group robot markdown.</summary>
    DingTalk,
}

/// <summary>An outbound channel from <c>config/</c>: where a county's alerts and dispatches go.</summary>
public sealed record ChannelOptions
{
    public string Name { get; init; } = "";

    public ChannelKind Kind { get; init; } = ChannelKind.Webhook;

    public string Url { get; init; } = "";

    /// <summary>The county (org unit code) whose messages this channel carries.</summary>
    public string County { get; init; } = "";

    /// <summary>Send alerts (default) and/or the weekly dispatch (default) through this channel.</summary>
    public bool Alerts { get; init; } = true;

    public bool Dispatch { get; init; } = true;
}

/// <summary>A message waiting for (or done with) delivery to a channel. Written in the same transaction as what it tells,
/// so nothing is lost while a channel is down; <see cref="DedupKey"/> lets the receiver drop a repeat.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public required string Channel { get; set; }

    public required string DedupKey { get; set; }

    public required string Title { get; set; }

    public required string Text { get; set; }

    /// <summary>The generic JSON payload of the event.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public string? LastError { get; set; }
}

/// <summary>Puts messages in the outbox for the channels of a county, and delivers what is due with retries and backoff.</summary>
public sealed class Outbox(IReadOnlyList<ChannelOptions> channels, IHttpClientFactory http, IServiceScopeFactory scopes, TimeProvider clock, ILogger<Outbox> logger)
{
    /// <summary>Backoff doubles from one minute up to this.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    public IReadOnlyList<ChannelOptions> Channels => channels;

    /// <summary>Adds a message for each channel of the county that carries this kind of message; the caller saves.</summary>
    public void Enqueue(AppDbContext db, string countyCode, bool isDispatch, string dedupKey, string title, string text, object payload)
    {
        foreach (var channel in channels.Where(c => c.County == countyCode && (isDispatch ? c.Dispatch : c.Alerts)))
        {
            db.Add(new OutboxMessage
            {
                Channel = channel.Name,
                DedupKey = dedupKey,
                Title = title,
                Text = text,
                Payload = JsonSerializer.Serialize(payload, Dispatch.WeeklyDispatch.Json),
                CreatedAt = clock.GetUtcNow(),
                NextAttemptAt = clock.GetUtcNow(),
            });
        }
    }

    /// <summary>Tries every message that is due; a failure waits 1, 2, 4... minutes (at most an hour) before the next try.</summary>
    public async Task<int> DeliverAsync(CancellationToken cancellationToken)
    {
        if (channels.Count == 0)
        {
            return 0;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow();
        var due = await db.Set<OutboxMessage>().Where(m => m.DeliveredAt == null && m.NextAttemptAt <= now).OrderBy(m => m.Id).Take(200).ToListAsync(cancellationToken);
        var delivered = 0;
        foreach (var message in due)
        {
            var channel = channels.FirstOrDefault(c => c.Name == message.Channel);
            if (channel is null)
            {
                continue; // a channel removed from config/ keeps its messages for when it comes back
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new StringContent(Body(channel, message), Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Dedup-Key", message.DedupKey);
                using var response = await http.CreateClient("channels").SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                message.DeliveredAt = now;
                message.LastError = null;
                delivered++;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                message.Attempts++;
                var backoff = TimeSpan.FromMinutes(Math.Pow(2, Math.Min(message.Attempts - 1, 10)));
                message.NextAttemptAt = now + (backoff < MaxBackoff ? backoff : MaxBackoff);
                message.LastError = ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
                logger.LogWarning("Delivery to channel {Channel} failed (attempt {Attempt}): {Error}", channel.Name, message.Attempts, message.LastError);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return delivered;
    }

    private static string Body(ChannelOptions channel, OutboxMessage message) => channel.Kind switch
    {
        ChannelKind.WeCom => JsonSerializer.Serialize(new { msgtype = "markdown", markdown = new { content = $"**{message.Title}**\n{message.Text}" } }),
        ChannelKind.DingTalk => JsonSerializer.Serialize(new { msgtype = "markdown", markdown = new { title = message.Title, text = $"### {message.Title}\n{message.Text}" } }),
        _ => message.Payload,
    };
}
