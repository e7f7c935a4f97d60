using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Timers;

namespace Rectification.Server.Features.Cases;

/// <summary>Loads cases within the caller's scope and saves changes, handing new timers to the scheduler once committed.</summary>
public sealed class CaseStore(AppDbContext db, ITimerScheduler timers)
{
    private readonly List<CaseTimer> _deferred = [];

    public AppDbContext Db => db;

    /// <summary>The cases a user may see: those of villages in the subtree of their org unit.</summary>
    public IQueryable<Case> VisibleTo(CurrentUser user) => user.OrgLevel switch
    {
        OrgLevel.City => db.Cases.Where(c => c.CityId == user.OrgUnitId),
        OrgLevel.County => db.Cases.Where(c => c.CountyId == user.OrgUnitId),
        OrgLevel.Township => db.Cases.Where(c => c.TownshipId == user.OrgUnitId),
        _ => db.Cases.Where(c => c.VillageId == user.OrgUnitId),
    };

    /// <summary>A case with what its rules need, or null when it does not exist for this user: its situations, fields,
    /// pending timers, and the checklist signatures of its present visit to its stage (earlier visits' stay in the
    /// database, and a case sent back to rework again and again would otherwise load them all on every change).</summary>
    public async Task<Case?> FindAsync(CurrentUser user, int id, CancellationToken cancellationToken)
    {
        var @case = await VisibleTo(user)
            .Include(c => c.Situations)
            .Include(c => c.Fields)
            .Include(c => c.Timers.Where(t => t.FiredAt == null && t.CancelledAt == null))
            .AsSplitQuery()
            .SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (@case is not null)
        {
            // A filtered include cannot name the case's own visit in a split query; loaded here, EF fixes them up the same.
            await db.Entry(@case).Collection(c => c.Signatures).Query().Where(s => s.StageVisit == @case.StageVisit).LoadAsync(cancellationToken);
        }

        return @case;
    }

    /// <summary>Saves in one transaction; timers added by the change are scheduled only after it committed, and
    /// never with the request's token: the change is saved, and the periodic sweep covers a trigger that is missed.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        var added = db.ChangeTracker.Entries<CaseTimer>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        await db.SaveChangesAsync(cancellationToken);
        if (db.Database.CurrentTransaction is not null)
        {
            // Inside a caller's transaction (an import): the timers exist only once it commits.
            _deferred.AddRange(added);
        }
        else if (added.Count > 0)
        {
            await timers.ScheduleAsync(added, CancellationToken.None);
        }
    }

    /// <summary>Schedules the timers saved inside a transaction the caller has now committed; nothing while an outer
    /// transaction (an idempotent request's) is still open, whose owner calls this again once it commits.</summary>
    public async Task ScheduleDeferredAsync()
    {
        if (_deferred.Count > 0 && db.Database.CurrentTransaction is null)
        {
            await timers.ScheduleAsync(_deferred.ToList(), CancellationToken.None);
            _deferred.Clear();
        }
    }
}
