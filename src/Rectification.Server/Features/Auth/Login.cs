using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rectification.Server.Data;
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
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Username))
            {
                errors["username"] = ["Required."];
            }

            if (string.IsNullOrEmpty(request.Password))
            {
                errors["password"] = ["Required."];
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var now = clock.GetUtcNow();
            var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.UserName == request.Username, cancellationToken);
            if (user is null)
            {
                logger.LogWarning("Sign-in refused for unknown user {UserName}", request.Username);
                return Refused;
            }

            if (user.LockedUntil > now)
            {
                logger.LogWarning("Sign-in refused for locked user {UserName}", user.UserName);
                return Refused;
            }

            if (hasher.VerifyHashedPassword(user, user.PasswordHash, request.Password!) == PasswordVerificationResult.Failed)
            {
                var settings = options.Value;
                user.FailedLogins++;
                if (user.FailedLogins >= settings.MaxFailedLogins)
                {
                    user.LockedUntil = now + settings.LockoutDuration;
                    user.FailedLogins = 0;
                    logger.LogWarning("User {UserName} locked until {LockedUntil} after repeated failed sign-ins", user.UserName, user.LockedUntil);
                }

                await db.SaveChangesAsync(cancellationToken);
                logger.LogWarning("Sign-in refused for {UserName}: wrong password", user.UserName);
                return Refused;
            }

            if (user.FailedLogins > 0 || user.LockedUntil is not null)
            {
                user.FailedLogins = 0;
                user.LockedUntil = null;
                await db.SaveChangesAsync(cancellationToken);
            }

            var level = await db.OrgUnits.Where(o => o.Id == user.OrgUnitId).Select(o => o.Level).SingleAsync(cancellationToken);
            var current = new CurrentUser(user.Id, user.UserName, user.DisplayName, user.OrgUnitId, level, user.Roles.Select(r => r.Role).ToList());
            var expiresAt = now + options.Value.TokenLifetime;
            var principal = new ClaimsPrincipal(new ClaimsIdentity(current.ToClaims(), BearerTokenDefaults.AuthenticationScheme));
            var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = expiresAt };
            var ticket = new AuthenticationTicket(principal, properties, BearerTokenDefaults.AuthenticationScheme);
            var token = bearer.Get(BearerTokenDefaults.AuthenticationScheme).BearerTokenProtector.Protect(ticket);
            logger.LogInformation("User {UserName} signed in", user.UserName);
            return new Response(token, expiresAt);
        }
    }
}
