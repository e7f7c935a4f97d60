using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Users;

/// <summary>A user as the API shows it (never the password hash).</summary>
public sealed record UserDto(int Id, string Username, string DisplayName, int OrgUnitId, IReadOnlyList<string> Roles);

/// <summary>A county admin adds an account within their county.</summary>
public static partial class AddUser
{
    public sealed record Request(string? Username, string? DisplayName, string? Password, int? OrgUnitId, IReadOnlyList<string>? Roles);

    /// <summary>Which org level each role sits at: a township secretary belongs to a township, and so on.</summary>
    public static readonly IReadOnlyDictionary<string, OrgLevel[]> LevelsOfRole = new Dictionary<string, OrgLevel[]>
    {
        [Roles.CityViewer] = [OrgLevel.City],
        // At city level the organisation department configures the default flows for every county.
        [Roles.CountyAdmin] = [OrgLevel.City, OrgLevel.County],
        [Roles.Inspector] = [OrgLevel.City, OrgLevel.County],
        [Roles.TownshipSecretary] = [OrgLevel.Township],
        [Roles.FirstSecretary] = [OrgLevel.Village],
    };

    public sealed class Handler(AppDbContext db, OrgDirectory orgs, IPasswordHasher<User> hasher, TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<UserDto>> HandleAsync(CurrentUser actor, Request request, CancellationToken cancellationToken)
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Username) || !UserNamePattern().IsMatch(request.Username))
            {
                errors["username"] = ["Required: 3 to 64 letters, digits, '.', '_' or '-'."];
            }

            if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Trim().Length > 100)
            {
                errors["displayName"] = ["Required, at most 100 characters."];
            }

            if (!IsStrongEnough(request.Password))
            {
                errors["password"] = [PasswordRule];
            }

            if (request.OrgUnitId is null)
            {
                errors["orgUnitId"] = ["Required."];
            }

            var roles = request.Roles?.Distinct().ToList() ?? [];
            if (roles.Count == 0)
            {
                errors["roles"] = [$"At least one of: {string.Join(", ", Roles.All.Keys)}."];
            }

            for (var i = 0; i < roles.Count; i++)
            {
                if (!Roles.IsKnown(roles[i]))
                {
                    errors[$"roles[{i}]"] = [$"Unknown role '{roles[i]}'."];
                }
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var unit = await orgs.GetAsync(request.OrgUnitId!.Value, cancellationToken);
            if (unit is null || !OrgDirectory.IsWithin(actor, unit))
            {
                return Problem.Invalid("orgUnitId", $"No org unit {request.OrgUnitId} in your area.");
            }

            var misplaced = roles.Where(r => !LevelsOfRole[r].Contains(unit.Level)).ToList();
            if (misplaced.Count > 0)
            {
                return Problem.Invalid("roles", $"Role(s) {string.Join(", ", misplaced)} cannot belong to a {unit.Level.ToString().ToLowerInvariant()}.");
            }

            // Names are kept in lower case so that look-alikes such as County-Admin and county-admin cannot both exist.
            var userName = request.Username!.ToLowerInvariant();
            if (await db.Users.AnyAsync(u => u.UserName == userName, cancellationToken))
            {
                return Problem.Conflict($"The username '{userName}' is taken.");
            }

            var user = new User
            {
                UserName = userName,
                DisplayName = request.DisplayName!.Trim(),
                OrgUnitId = unit.Id,
                Roles = roles.Select(r => new UserRole { Role = r }).ToList(),
                CreatedAt = clock.GetUtcNow(),
            };
            user.PasswordHash = hasher.HashPassword(user, request.Password!);
            db.Users.Add(user);
            db.AuditEvents.Add(new AuditEvent
            {
                At = user.CreatedAt,
                ActorId = actor.Id,
                ActorName = actor.DisplayName,
                Kind = "user-added",
                Subject = $"user/{user.UserName}",
                Detail = JsonSerializer.Serialize(new { user.UserName, user.DisplayName, user.OrgUnitId, Roles = roles }),
            });
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("User {NewUser} added at org unit {OrgUnitId} with roles {Roles} by {User}", user.UserName, unit.Id, roles, actor.UserName);
            return ToDto(user);
        }
    }

    public const string PasswordRule = "Required: 8 to 128 characters with letters and digits.";

    public static bool IsStrongEnough(string? password) =>
        password is { Length: >= 8 and <= 128 } && password.Any(char.IsLetter) && password.Any(char.IsDigit);

    public static UserDto ToDto(User user) => new(user.Id, user.UserName, user.DisplayName, user.OrgUnitId, user.Roles.Select(r => r.Role).Order().ToList());

    [GeneratedRegex("^[A-Za-z0-9._-]{3,64}$")]
    private static partial Regex UserNamePattern();
}
