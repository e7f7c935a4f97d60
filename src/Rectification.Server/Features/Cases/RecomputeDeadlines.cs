using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Workflows;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Cases;

/// <summary>When the working calendar in <c>config/calendar/</c> has been edited (a year published, a holiday moved), the
/// open stage deadlines counted in working days are recomputed on start; each one that moves is recorded in its case's
/// history. Ledger items keep their deadlines: those are dates people chose.</summary>
public sealed class RecomputeDeadlines(AppDbContext db, FlowCatalog flows, IWorkingCalendar calendar, CaseTransitions transitions, ILogger<RecomputeDeadlines> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // Read as plain rows: tracking every open case of a country cost a second and a hundred megabytes at each start,
        // when usually not one deadline moves. Only the cases that move are loaded to be changed.
        var open = await db.Cases.AsNoTracking()
            .Where(c => c.EndedAt == null && c.StageDeadline != null && c.SuspendedAt == null)
            .Select(c => new { c.Id, c.FlowVersionId, c.Stage, c.StageEnteredAt, c.StageDeadline, c.DeadlineShift })
            .ToListAsync(cancellationToken);
        var moves = new Dictionary<int, DateTimeOffset>();
        foreach (var @case in open)
        {
            var deadline = flows.Find(@case.FlowVersionId)?.Definition.FindStage(@case.Stage)?.Deadline;
            if (deadline is not { Unit: DurationUnit.WorkingDays })
            {
                continue;
            }

            var expected = ShanghaiTime.ShiftByWorkingDays(deadline.DueFrom(@case.StageEnteredAt, calendar), @case.DeadlineShift, calendar);
            if (expected != @case.StageDeadline)
            {
                moves[@case.Id] = expected;
            }
        }

        var moved = 0;
        foreach (var chunk in moves.Keys.Chunk(1000))
        {
            foreach (var @case in await db.Cases.Where(c => chunk.Contains(c.Id)).ToListAsync(cancellationToken))
            {
                var before = @case.StageDeadline!.Value;
                var expected = moves[@case.Id];
                @case.StageDeadline = expected;
                transitions.Record(@case, Actor.System, "calendar", "recompute-deadline",
                    $"工作日历调整，期限由 {ShanghaiTime.DateOf(before):yyyy-MM-dd} 改为 {ShanghaiTime.DateOf(expected):yyyy-MM-dd}");
                moved++;
            }
        }

        if (moved > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Working calendar changed: {Count} stage deadlines recomputed", moved);
        }

        return moved;
    }
}
