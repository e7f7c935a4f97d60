using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Users;

/// <summary>A user changes their own password, or a county admin sets a new one for an account in their area (a forgotten
/// password, a person who left). Either way every token and page session issued before it stops working.</summary>
public static class ChangePassword
{
    public sealed record Request(string? CurrentPassword, string? NewPassword);

    public sealed record ResetRequest(string? NewPassword);

    public sealed class Handler(AppDbContext db, OrgDirectory orgs, IPasswordHasher<User> hasher, CredentialStamps stamps, TimeProvider clock,
        ILogger<Handler> logger)
    {
        public async Task<Result<bool>> ChangeOwnAsync(CurrentUser actor, Request request, CancellationToken cancellationToken)
        {
            var user = await db.Users.SingleAsync(u => u.Id == actor.Id, cancellationToken);
            if (request.CurrentPassword is not { Length: > 0 and <= 128 }
                || hasher.VerifyHashedPassword(user, user.PasswordHash, request.CurrentPassword) == PasswordVerificationResult.Failed)
            {
                return Problem.Invalid("currentPassword", "当前密码不正确。");
            }

            return await SetAsync(actor, user, request.NewPassword, "password-changed", cancellationToken);
        }

        public async Task<Result<bool>> ResetAsync(CurrentUser actor, int userId, ResetRequest request, CancellationToken cancellationToken)
        {
            if (!actor.Has(Roles.CountyAdmin))
            {
                return Problem.Forbidden("Passwords of other accounts are set by the county organisation department.");
            }

            // Scope checked apart: the org query is a no-tracking one, and composed into this one it would leave the user
            // untracked and the new password unsaved.
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
            return user is null || !await orgs.VisibleTo(actor).AnyAsync(o => o.Id == user.OrgUnitId, cancellationToken)
                ? Problem.NotFound($"No user {userId}.")
                : await SetAsync(actor, user, request.NewPassword, "password-reset", cancellationToken);
        }

        private async Task<Result<bool>> SetAsync(CurrentUser actor, User user, string? password, string kind, CancellationToken cancellationToken)
        {
            if (!AddUser.IsStrongEnough(password))
            {
                return Problem.Invalid("newPassword", AddUser.PasswordRule);
            }

            user.PasswordHash = hasher.HashPassword(user, password!);
            user.SecurityStamp = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            user.FailedLogins = 0;
            user.LockedUntil = null;
            db.AuditEvents.Add(new AuditEvent
            {
                At = clock.GetUtcNow(),
                ActorId = actor.Id,
                ActorName = actor.DisplayName,
                Kind = kind,
                Subject = $"user/{user.UserName}",
            });
            await db.SaveChangesAsync(cancellationToken);
            stamps.Forget(user.Id);
            logger.LogInformation("Password of {UserName} set by {User} ({Kind}); earlier sign-ins revoked", user.UserName, actor.UserName, kind);
            return true;
        }
    }
}
