using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;

namespace Rectification.Server.Features.Alerts;

/// <summary>Which deadlines the alert sweep reads: only those whose <c>NextAlertAt</c> has come, through an index, so a sweep
/// that finds nothing costs nothing even with millions of open items. Every save of a case or ledger item marks it due
/// now (<see cref="Changed"/>); the sweep then sets it to the moment its next alert falls due, or null when none is left.
/// Closed items and ended cases are never due; items of suspended or ended cases are skipped by the sweep itself.</summary>
public static class AlertSchedule
{
    /// <summary>"Look at it on the next sweep": earlier than any real time, so it also sorts first.</summary>
    public static readonly DateTimeOffset Now = DateTimeOffset.MinValue;

    /// <summary>Called for every added or modified entity before it is saved.</summary>
    public static void Changed(object entity)
    {
        switch (entity)
        {
            case Case @case:
                @case.NextAlertAt = @case.EndedAt is null && @case.SuspendedAt is null && @case.StageDeadline is not null ? Now : null;
                break;
            case LedgerItem item:
                item.NextAlertAt = item.Status == LedgerStatus.Closed ? null : Now;
                break;
        }
    }
}
