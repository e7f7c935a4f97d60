using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Definitions;

namespace Rectification.Server.Features.Workflows;

/// <summary>Publishes a draft as the next immutable version of its flow, in the draft's scope, with a readable diff
/// against the version it replaces. One transaction: a failed or losing publish changes nothing.</summary>
public static class PublishDraft
{
    public sealed record Response(string Key, int Version, int ScopeId, int? PreviousVersion, IReadOnlyList<FlowChange> Changes,
        IReadOnlyList<DiagnosticView> Warnings);

    public sealed class Handler(AppDbContext db, FlowCatalog catalog, TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<Response>> HandleAsync(CurrentUser actor, string key, int draftId, CancellationToken cancellationToken)
        {
            var scope = FlowScope.EditedBy(actor);
            if (!scope.Succeeded)
            {
                return scope.Problem;
            }

            var draft = await db.FlowDrafts.SingleOrDefaultAsync(d => d.Id == draftId && d.Key == key && d.ScopeId == scope.Value, cancellationToken);
            if (draft is null)
            {
                var published = await db.FlowVersions.Where(v => v.Key == key && v.ScopeId == scope.Value && v.Source == $"draft {draftId}")
                    .Select(v => (int?)v.Version).SingleOrDefaultAsync(cancellationToken);
                return published is { } publishedAs
                    ? Problem.Conflict($"Draft {draftId} was already published as version {publishedAs}.")
                    : Problem.NotFound($"No draft {draftId} of flow '{key}' in your scope.");
            }

            var result = FlowReader.Read($"draft {draft.Id}", draft.Yaml);
            if (!result.Succeeded)
            {
                return new Problem(StatusCodes.Status422UnprocessableEntity, "The draft has errors",
                    string.Join(" ", result.Errors.Select(e => e.ToString())),
                    Extensions: new Dictionary<string, object?> { ["diagnostics"] = DiagnosticView.From(result) });
            }

            var previous = catalog.LatestFor(key, scope.Value == 0 ? null : scope.Value);
            var changes = FlowDiff.Compare(previous?.Definition, result.Definition!);
            var number = (await db.FlowVersions.Where(v => v.Key == key).MaxAsync(v => (int?)v.Version, cancellationToken) ?? 0) + 1;
            var now = clock.GetUtcNow();
            var version = new FlowVersion
            {
                Key = key,
                Version = number,
                Name = result.Definition!.Name,
                ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(draft.Yaml.ReplaceLineEndings("\n")))),
                Source = $"draft {draft.Id}",
                Yaml = draft.Yaml,
                LoadedAt = now,
                ScopeId = scope.Value,
                PublishedById = actor.Id,
                PublishedByName = actor.DisplayName,
            };
            db.FlowVersions.Add(version);
            db.FlowDrafts.Remove(draft);
            db.AuditEvents.Add(new AuditEvent
            {
                At = now,
                ActorId = actor.Id,
                ActorName = actor.DisplayName,
                Kind = "flow-published",
                Subject = $"workflow/{key}/{number}",
                Detail = JsonSerializer.Serialize(new
                {
                    key,
                    version = number,
                    scopeId = scope.Value,
                    previous = previous?.Version,
                    changes = changes.Select(c => c.ToString()),
                }),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The unique (key, version) index stops a concurrent publish of the same flow; the draft's revision
                // stops publishing a draft someone saved again meanwhile. Nothing was written.
                return Problem.Conflict($"Another publish of flow '{key}', or a newer save of draft {draftId}, came first; reload and try again.");
            }

            catalog.Add(version);
            logger.LogInformation("Flow {FlowKey} version {Version} published for scope {ScopeId} by {User} with {Changes} changes",
                key, number, scope.Value, actor.UserName, changes.Count);
            return new Response(key, number, scope.Value, previous?.Version, changes,
                result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(DiagnosticView.From).ToList());
        }
    }
}
