using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;

namespace Rectification.Server.Features.Auth;

/// <summary>Refuses tokens and cookies issued before their user's password last changed: each carries the user's security
/// stamp, compared here with the current one. Stamps are cached for a few seconds, and dropped at once on this node when
/// they change, so other nodes of a cluster follow within <see cref="CacheFor"/>.</summary>
public sealed class CredentialStamps(IServiceScopeFactory scopes)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<int, (string Stamp, long ReadAt)> _cache = new();

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (!int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var userId))
        {
            return false;
        }

        var presented = principal.FindFirstValue(CurrentUser.SecurityStampClaim) ?? "";
        // Real elapsed time, not the service clock: this is a cache, and a drill's simulated clock must not keep it stale.
        if (!_cache.TryGetValue(userId, out var cached) || System.Diagnostics.Stopwatch.GetElapsedTime(cached.ReadAt) > CacheFor)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var stamp = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.SecurityStamp).SingleOrDefaultAsync(cancellationToken);
            if (stamp is null)
            {
                return false;
            }

            cached = (stamp, System.Diagnostics.Stopwatch.GetTimestamp());
            _cache[userId] = cached;
        }

        return cached.Stamp == presented;
    }

    /// <summary>Drops a user's cached stamp once it changed, so this node refuses the old tokens at once.</summary>
    public void Forget(int userId) => _cache.TryRemove(userId, out _);

    /// <summary>The cookie's own check, run by the cookie handler each time it reads the cookie.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var stamps = context.HttpContext.RequestServices.GetRequiredService<CredentialStamps>();
        if (context.Principal is null || !await stamps.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WebAuth.Scheme);
        }
    }
}
