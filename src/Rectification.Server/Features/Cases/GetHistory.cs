using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>A case's history, oldest first: who did what, when, from which stage to which, and what changed.</summary>
public static class GetHistory
{
    public sealed record Entry(int Seq, DateTimeOffset At, int? ActorId, string Actor, string Kind, string? Action, string? From, string? To,
        string? Comment, JsonElement? Changes);

    public sealed class Handler(CaseStore store)
    {
        public async Task<Result<IReadOnlyList<Entry>>> HandleAsync(CurrentUser user, int caseId, CancellationToken cancellationToken)
        {
            if (!await store.VisibleTo(user).AnyAsync(c => c.Id == caseId, cancellationToken))
            {
                return Problem.NotFound($"No case {caseId}.");
            }

            var events = await store.Db.CaseEvents.AsNoTracking().Where(e => e.CaseId == caseId).OrderBy(e => e.Seq).ToListAsync(cancellationToken);
            return events.Select(e => new Entry(e.Seq, ShanghaiTime.ToLocal(e.At), e.ActorId, e.ActorName, e.Kind, e.Action, e.FromStage, e.ToStage,
                e.Comment, e.Changes is null ? null : JsonSerializer.Deserialize<JsonElement>(e.Changes))).ToList();
        }
    }
}
