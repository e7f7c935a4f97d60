using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Orgs;

/// <summary>A county admin adds a township under their county or a village under one of its townships.</summary>
public static partial class AddOrgUnit
{
    public sealed record Request(int? ParentId, string? Code, string? Name);

    public sealed class Handler(AppDbContext db, OrgDirectory orgs, TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<OrgUnitDto>> HandleAsync(CurrentUser actor, Request request, CancellationToken cancellationToken)
        {
            var errors = new Dictionary<string, string[]>();
            if (request.ParentId is null)
            {
                errors["parentId"] = ["Required."];
            }

            if (string.IsNullOrWhiteSpace(request.Code) || !CodePattern().IsMatch(request.Code))
            {
                errors["code"] = ["Required: 1 to 32 letters, digits or '-'."];
            }

            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
            {
                errors["name"] = ["Required, at most 100 characters."];
            }

            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }

            var parent = await orgs.GetAsync(request.ParentId!.Value, cancellationToken);
            if (parent is null || !OrgDirectory.IsWithin(actor, parent))
            {
                return Problem.Invalid("parentId", $"No org unit {request.ParentId} in your area.");
            }

            if (parent.Level == OrgLevel.Village)
            {
                return Problem.Invalid("parentId", "A village has no units below it.");
            }

            if (await db.OrgUnits.AnyAsync(o => o.Code == request.Code, cancellationToken))
            {
                return Problem.Conflict($"An org unit with code '{request.Code}' already exists.");
            }

            var unit = new OrgUnit { Code = request.Code!, Name = request.Name!.Trim(), Level = parent.Level + 1, ParentId = parent.Id };
            // Joins the transaction of an idempotent request, which commits it with the record of its answer.
            await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            db.OrgUnits.Add(unit);
            await db.SaveChangesAsync(cancellationToken);
            unit.Path = OrgUnit.ChildPath(parent.Path, unit.Id);
            db.AuditEvents.Add(new AuditEvent
            {
                At = clock.GetUtcNow(),
                ActorId = actor.Id,
                ActorName = actor.DisplayName,
                Kind = "org-unit-added",
                Subject = $"org/{unit.Id}",
                Detail = JsonSerializer.Serialize(new { unit.Code, unit.Name, Level = unit.Level.ToString(), unit.ParentId }),
            });
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            logger.LogInformation("Org unit {OrgUnitId} {Code} {Name} added under {ParentId} by {User}", unit.Id, unit.Code, unit.Name, parent.Id, actor.UserName);
            return OrgUnitDto.From(unit);
        }
    }

    [GeneratedRegex("^[0-9A-Za-z-]{1,32}$")]
    private static partial Regex CodePattern();
}
