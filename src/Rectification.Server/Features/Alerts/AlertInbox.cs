using Microsoft.EntityFrameworkCore;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Alerts;

/// <summary>A user's inbox: the alerts addressed to one of their roles (or to anyone) at their org unit.</summary>
public sealed class AlertInbox(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<IReadOnlyList<AlertView>>> ListAsync(CurrentUser user, string? kind, bool? acknowledged, int? caseId, int? page, int? pageSize,
        CancellationToken cancellationToken)
    {
        AlertKind? wanted = kind switch
        {
            null => null,
            "reminder" => AlertKind.Reminder,
            "overdue" => AlertKind.Overdue,
            "escalation" => AlertKind.Escalation,
            _ => (AlertKind)(-1),
        };
        if (wanted == (AlertKind)(-1))
        {
            return Problem.Invalid("kind", "One of reminder, overdue, escalation.");
        }

        var (number, size) = (page ?? 1, pageSize ?? 50);
        if (number is < 1 or > 1_000_000 || size is < 1 or > 200)
        {
            return Problem.Invalid(number is < 1 or > 1_000_000 ? "page" : "pageSize", "page 1 to 1000000, pageSize 1 to 200.");
        }

        var alerts = Addressed(user);
        if (wanted is { } k)
        {
            alerts = alerts.Where(a => a.Kind == k);
        }

        if (caseId is { } id)
        {
            alerts = alerts.Where(a => a.CaseId == id);
        }

        var acks = db.Set<AlertAcknowledgement>().Where(x => x.UserId == user.Id).Select(x => x.AlertId);
        if (acknowledged is { } ack)
        {
            alerts = ack ? alerts.Where(a => acks.Contains(a.Id)) : alerts.Where(a => !acks.Contains(a.Id));
        }

        var rows = await alerts.OrderByDescending(a => a.Id).Skip((number - 1) * size).Take(size)
            .Select(a => new { Alert = a, Acknowledged = acks.Contains(a.Id) }).ToListAsync(cancellationToken);
        return rows.Select(r => new AlertView(r.Alert.Id, r.Alert.CaseId, r.Alert.LedgerItemId, r.Alert.Kind.ToString().ToLowerInvariant(),
            r.Alert.Level, ShanghaiTime.ToLocal(r.Alert.DueAt), ShanghaiTime.ToLocal(r.Alert.RaisedAt), r.Alert.Late, r.Alert.Message, r.Acknowledged)).ToList();
    }

    /// <summary>Marks an alert of the user's inbox as read; doing it twice changes nothing.</summary>
    public async Task<Result<bool>> AcknowledgeAsync(CurrentUser user, long id, CancellationToken cancellationToken)
    {
        if (!await Addressed(user).AnyAsync(a => a.Id == id, cancellationToken))
        {
            return Problem.NotFound($"No alert {id}.");
        }

        if (!await db.Set<AlertAcknowledgement>().AnyAsync(x => x.AlertId == id && x.UserId == user.Id, cancellationToken))
        {
            db.Add(new AlertAcknowledgement { AlertId = id, UserId = user.Id, At = clock.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken);
        }

        return true;
    }

    private IQueryable<Alert> Addressed(CurrentUser user)
    {
        var roles = user.Roles.Append("*").ToList();
        return db.Set<Alert>().AsNoTracking().Where(a => a.TargetOrgUnitId == user.OrgUnitId && roles.Contains(a.TargetRole));
    }
}
