namespace Rectification.Workflow.Time;

/// <summary>Tells which days are working days; the Chinese calendar moves working days onto weekends (调休).</summary>
public interface IWorkingCalendar
{
    bool IsWorkingDay(DateOnly day);
}

/// <summary>Monday to Friday, with no holidays: the fallback where no official calendar is known.</summary>
public sealed class WeekdayCalendar : IWorkingCalendar
{
    public static WeekdayCalendar Instance { get; } = new();

    public bool IsWorkingDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
}
