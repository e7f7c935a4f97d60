using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>A cookie session of the pages: signed in (or nobody's), with the anti-forgery token its forms carry.</summary>
public sealed partial record PageSession(HttpClient Client, string Token) : IDisposable
{
    /// <summary>Signs in a demo account through the login form; an empty <paramref name="user"/> stays anonymous.</summary>
    public static async Task<PageSession> SignInAsync(RectificationApp app, string user)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var token = AntiForgeryToken().Match(await client.GetStringAsync("/login")).Groups[1].Value;
        if (user.Length == 0)
        {
            return new PageSession(client, token);
        }

        using var form = new FormUrlEncodedContent([new("username", user), new("password", "Demo@2026"), new("__RequestVerificationToken", token)]);
        var response = await client.PostAsync("/login", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // Tokens are bound to the user: the signed-in session's forms carry a new one.
        return new PageSession(client, AntiForgeryToken().Match(await client.GetStringAsync("/alerts")).Groups[1].Value);
    }

    /// <summary>Posts a form with the session's anti-forgery token.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, params (string Key, string Value)[] fields) =>
        Client.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).Append(new("__RequestVerificationToken", Token))));

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgeryToken();
}
