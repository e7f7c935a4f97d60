using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rectification.Server.Data;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Users;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Auth;

/// <summary>Signs a user in with name and password and hands out a bearer token.</summary>
public static class Login
{
    public sealed record Request(string? Username, string? Password);

    public sealed record Response(string Token, DateTimeOffset ExpiresAt);

    // The same answer for an unknown user, a wrong password and a locked account: no hint which part was wrong.
    private static readonly Problem Refused = new(StatusCodes.Status401Unauthorized, "Sign-in failed", "用户名或密码错误，或账号已被临时锁定。");

    private static readonly User Nobody = new() { UserName = "", DisplayName = "" };

    private const int MaxUserNameLength = 64;
    private const int MaxPasswordLength = 128;

    // A hash of a random password, computed once, to verify against when there is no real hash to check.
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<User>().HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(18))));

    public sealed class Handler(
        AppDbContext db,
        IPasswordHasher<User> hasher,
        TimeProvider clock,
        IOptions<AuthOptions> options,
        IOptionsMonitor<BearerTokenOptions> bearer,
        ILogger<Handler> logger)
    {
        public async Task<Result<Response>> HandleAsync(Request request, CancellationToken cancellationToken)
        {
            var authenticated = await AuthenticateAsync(request, cancellationToken);
            if (!authenticated.Succeeded)
            {
                return authenticated.Problem;
            }

            var now = clock.GetUtcNow();
            var expiresAt = now + options.Value.TokenLifetime;
            var principal = new ClaimsPrincipal(new ClaimsIdentity(authenticated.Value.ToClaims(), BearerTokenDefaults.AuthenticationScheme));
            var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = expiresAt };
            var ticket = new AuthenticationTicket(principal, properties, BearerTokenDefaults.AuthenticationScheme);
            var token = bearer.Get(BearerTokenDefaults.AuthenticationScheme).BearerTokenProtector.Protect(ticket);
            return new Response(token, expiresAt);
        }

        /// <summary>Checks the name and password (with lockout) and returns who signed in; the API turns that into a
        /// bearer token, the web pages into a cookie.</summary>
        public async Task<Result<CurrentUser>> AuthenticateAsync(Request request, CancellationToken cancellationToken)
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Username) || request.Username.Length > MaxUserNameLength)
            {
                errors["username"] = [$"Required, at most {MaxUserNameLength} characters."];
            }

            if (string.IsNullOrEmpty(request.Password) || request.Password.Length > MaxPasswordLength)
            {
                errors["password"] = [$"Required, at most {MaxPasswordLength} characters."];
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var now = clock.GetUtcNow();
            var userName = request.Username!.Trim().ToLowerInvariant();
            var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.UserName == userName, cancellationToken);
            var locked = user?.LockedUntil > now;

            // Always hash, so an unknown or locked account answers as slowly as a wrong password.
            var verified = hasher.VerifyHashedPassword(user ?? Nobody, user is null || locked ? DummyHash.Value : user.PasswordHash, request.Password!)
                != PasswordVerificationResult.Failed;
            if (user is null)
            {
                // A name that is not an account may be a password typed in the wrong box: it is not logged.
                logger.LogWarning("Sign-in refused for an unknown user name");
                return Refused;
            }

            if (locked)
            {
                logger.LogWarning("Sign-in refused for locked user {UserName}", user.UserName);
                return Refused;
            }

            if (!verified)
            {
                await CountFailureAsync(user, now, cancellationToken);
                return Refused;
            }

            if (user.FailedLogins > 0 || user.LockedUntil is not null)
            {
                await db.Users.Where(u => u.Id == user.Id)
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.FailedLogins, 0).SetProperty(x => x.LockedUntil, (DateTimeOffset?)null), cancellationToken);
            }

            var unit = await db.OrgUnits.SingleAsync(o => o.Id == user.OrgUnitId, cancellationToken);
            logger.LogInformation("User {UserName} signed in", user.UserName);
            return new CurrentUser(user.Id, user.UserName, user.DisplayName, user.OrgUnitId, unit.Level, user.Roles.Select(r => r.Role).ToList(),
                await OrgDirectory.CountyOfAsync(db, unit, cancellationToken), user.SecurityStamp);
        }

        // One statement, so parallel wrong guesses cannot overwrite each other's count and slip past the limit.
        private async Task CountFailureAsync(User user, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var settings = options.Value;
            DateTimeOffset? lockUntil = now + settings.LockoutDuration;
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u
                    .SetProperty(x => x.LockedUntil, x => x.FailedLogins + 1 >= settings.MaxFailedLogins ? lockUntil : x.LockedUntil)
                    .SetProperty(x => x.FailedLogins, x => x.FailedLogins + 1 >= settings.MaxFailedLogins ? 0 : x.FailedLogins + 1),
                cancellationToken);
            var nowLocked = await db.Users.Where(u => u.Id == user.Id).Select(u => u.LockedUntil).SingleAsync(cancellationToken) > now;
            logger.LogWarning("Sign-in refused for {UserName}: wrong password; locked: {Locked}", user.UserName, nowLocked);
        }
    }
}
