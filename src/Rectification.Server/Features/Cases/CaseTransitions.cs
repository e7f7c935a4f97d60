using System.Text.Json;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Timers;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Engine;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>Who did something: a user, or the system when a timer fired.</summary>
public sealed record Actor(int? Id, string Name, string UserName)
{
    public static Actor System { get; } = new(null, "系统", "system");
}

/// <summary>Applies changes to a case: every change bumps its version and appends one history entry, whose
/// sequence number equals the new version, so history and version can never disagree.</summary>
public sealed class CaseTransitions(TimeProvider clock, IWorkingCalendar calendar, ILogger<CaseTransitions> logger)
{
    /// <summary>Starts a new case in its flow's start stage; the caller logs it once saved, when it has an id.</summary>
    public Case Start(Case @case, LoadedFlow flow, Actor actor)
    {
        var now = clock.GetUtcNow();
        var start = flow.Definition.GetStage(flow.Definition.Start);
        @case.FlowVersionId = flow.Id;
        @case.CreatedAt = now;
        @case.OpenYear = @case.Year;
        @case.Version = 0;
        Enter(@case, start, now);
        Append(@case, actor, now, "propose", null, null, start.Key, @case.Note, null);
        return @case;
    }

    /// <summary>Moves a case to another stage by an action or a timer.</summary>
    public void Move(Case @case, StageDefinition to, Actor actor, string kind, string action, string? comment, IReadOnlyList<FieldChange> changes)
    {
        var now = clock.GetUtcNow();
        var from = @case.Stage;
        foreach (var change in changes)
        {
            var existing = @case.Fields.FirstOrDefault(f => f.Key == change.Key);
            if (change.New is null)
            {
                if (existing is not null)
                {
                    @case.Fields.Remove(existing);
                }
            }
            else if (existing is null)
            {
                @case.Fields.Add(new CaseField { Key = change.Key, Value = change.New });
            }
            else
            {
                existing.Value = change.New;
            }
        }

        foreach (var timer in @case.Timers.Where(t => t.FiredAt is null && t.CancelledAt is null))
        {
            timer.CancelledAt = now;
        }

        Enter(@case, to, now);
        Append(@case, actor, now, kind, action, from, to.Key, comment, changes);
        logger.LogInformation("Case {CaseId} moved {FromStage} -> {ToStage} by {Action} ({User})", @case.Id, from, to.Key, action, actor.UserName);
    }

    /// <summary>Records a change that keeps the stage, such as a checklist signature.</summary>
    public void Record(Case @case, Actor actor, string kind, string action, string? comment)
    {
        Append(@case, actor, clock.GetUtcNow(), kind, action, @case.Stage, @case.Stage, comment, null);
        logger.LogInformation("Case {CaseId} {Kind} {Action} in {Stage} by {User}", @case.Id, kind, action, @case.Stage, actor.UserName);
    }

    /// <summary>Moves a running case onto another version of its flow: same entry time, so the deadline and timers
    /// are recomputed from when the case really entered the stage; kept signatures carry over to the new visit.</summary>
    public void Migrate(Case @case, LoadedFlow to, StageDefinition stage, Actor actor, IReadOnlyCollection<string> keptSignatures, string comment,
        IReadOnlyList<FieldChange> changes)
    {
        var now = clock.GetUtcNow();
        var (fromStage, fromVisit, enteredAt) = (@case.Stage, @case.StageVisit, @case.StageEnteredAt);
        foreach (var timer in @case.Timers.Where(t => t.FiredAt is null && t.CancelledAt is null))
        {
            timer.CancelledAt = now;
        }

        @case.FlowVersionId = to.Id;
        Enter(@case, stage, enteredAt, now);
        foreach (var signature in @case.Signatures.Where(s => s.StageVisit == fromVisit && keptSignatures.Contains(s.Item)).ToList())
        {
            @case.Signatures.Add(new ChecklistSignature
            {
                StageVisit = @case.StageVisit,
                Stage = stage.Key,
                Item = signature.Item,
                SignedById = signature.SignedById,
                SignedByName = signature.SignedByName,
                SignedAt = signature.SignedAt,
                Comment = signature.Comment,
            });
        }

        // Logged by the caller once saved: a migration may lose a race and not happen.
        Append(@case, actor, now, "migration", "migrate", fromStage, stage.Key, comment, changes);
    }

    private void Enter(Case @case, StageDefinition stage, DateTimeOffset now) => Enter(@case, stage, now, now);

    private void Enter(Case @case, StageDefinition stage, DateTimeOffset enteredAt, DateTimeOffset now)
    {
        @case.Stage = stage.Key;
        @case.StageVisit++;
        @case.StageEnteredAt = enteredAt;
        @case.StageDeadline = stage.Deadline?.DueFrom(enteredAt, calendar);
        @case.DeadlineShift = 0;
        @case.OpenYear = stage.Terminal ? null : @case.Year;
        @case.EndedAt = stage.Terminal ? now : null;
        foreach (var timer in stage.Timers)
        {
            @case.Timers.Add(new CaseTimer
            {
                StageVisit = @case.StageVisit,
                Stage = stage.Key,
                TimerKey = timer.Key,
                DueAt = timer.After.DueFrom(enteredAt, calendar),
            });
        }
    }

    private static void Append(Case @case, Actor actor, DateTimeOffset now, string kind, string? action, string? from, string? to, string? comment,
        IReadOnlyList<FieldChange>? changes)
    {
        @case.Version++;
        var entry = new CaseEvent
        {
            Seq = @case.Version,
            At = now,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Kind = kind,
            Action = action,
            FromStage = from,
            ToStage = to,
            Comment = comment,
            Changes = changes is { Count: > 0 }
                ? JsonSerializer.Serialize(changes.ToDictionary(c => c.Key, c => new { old = c.Old, @new = c.New }))
                : null,
        };
        entry.Hash = HistoryChain.Link(@case.HistoryHash, entry);
        @case.HistoryHash = entry.Hash;
        @case.History.Add(entry);
    }
}
