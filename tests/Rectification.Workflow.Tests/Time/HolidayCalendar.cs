using Rectification.Workflow.Time;

namespace Rectification.Workflow.Tests.Time;

/// <summary>A working calendar for tests: Monday to Friday, less the given holidays, plus the given weekend days
/// worked in their place (调休).</summary>
internal sealed class HolidayCalendar(IEnumerable<DateOnly> holidays, IEnumerable<DateOnly>? workedWeekendDays = null) : IWorkingCalendar
{
    private readonly HashSet<DateOnly> _holidays = [.. holidays];
    private readonly HashSet<DateOnly> _workedWeekendDays = [.. workedWeekendDays ?? []];

    public bool IsWorkingDay(DateOnly day) =>
        _workedWeekendDays.Contains(day)
        || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day));
}
