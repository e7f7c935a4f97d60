using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Rectification.Server.Tests.Reliability;

/// <summary>How a request ended as far as its client can tell: answered 2xx, answered otherwise, or never answered.</summary>
public enum Outcome
{
    Acknowledged,
    Refused,
    Unknown,
}

/// <summary>An answer: its outcome, status (0 when none came) and body (undefined when there was none to read).</summary>
public sealed record Reply(Outcome Outcome, int Status, JsonElement Body)
{
    public bool Ok => Outcome == Outcome.Acknowledged;

    /// <summary>The case version and stage of a case answer, when the body is one.</summary>
    public (int? Version, string? Stage) CaseState => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("version", out var version)
        ? (version.GetInt32(), Body.GetProperty("stage").GetProperty("key").GetString())
        : (null, null);
}

/// <summary>The demo accounts' clients against one life of the service process: a new port after every restart, the same
/// tokens (the key ring is in the data folder, so they survive the kill).</summary>
public sealed class CrashSession : IDisposable
{
    private readonly Dictionary<string, HttpClient> _clients = [];

    private readonly List<string> _serverErrors;

    public CrashSession(string url, IReadOnlyDictionary<string, string> tokens, List<string> serverErrors)
    {
        _serverErrors = serverErrors;
        foreach (var (user, token) in tokens)
        {
            var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            _clients[user] = client;
        }
    }

    /// <summary>Signs the demo accounts in once; their tokens are then used for the whole run.</summary>
    public static async Task<Dictionary<string, string>> SignInAsync(string url, IEnumerable<string> users)
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        var tokens = new Dictionary<string, string>();
        foreach (var user in users)
        {
            var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { username = user, password = "Demo@2026" });
            Assert.True(response.IsSuccessStatusCode, $"The demo account {user} cannot sign in (HTTP {(int)response.StatusCode}): is the demo seeded whole?");
            tokens[user] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        return tokens;
    }

    public Task<Reply> GetAsync(string user, string path, CancellationToken cancellationToken) =>
        SendAsync(user, HttpMethod.Get, path, null, null, cancellationToken);

    /// <summary>Sends a request; the status counts as the answer even when the kill cuts the body off.</summary>
    public async Task<Reply> SendAsync(string user, HttpMethod method, string path, object? body, int? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        HttpResponseMessage response;
        try
        {
            response = await _clients[user].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            // The service is down: the request never reached it, so it must have changed nothing. The pause keeps workers
            // from spinning until the harness stops them.
            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Stopped meanwhile.
            }

            return new Reply(Outcome.Refused, 0, default);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return new Reply(Outcome.Unknown, 0, default);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                text = "";
            }

            if (status >= 500)
            {
                // A live service answered it: the kill did not cause it.
                lock (_serverErrors)
                {
                    _serverErrors.Add($"{method} {path} answered {status}: {text}");
                }

                return new Reply(Outcome.Unknown, status, default);
            }

            JsonElement parsed = default;
            if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
            {
                try
                {
                    parsed = JsonDocument.Parse(text).RootElement.Clone();
                }
                catch (JsonException)
                {
                    // Cut off by the kill after the status line: the status still says what happened.
                }
            }

            return new Reply(status is >= 200 and < 300 ? Outcome.Acknowledged : Outcome.Refused, status, parsed);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
