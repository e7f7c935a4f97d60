using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Rectification.Workflow.Time;

/// <summary>The units a flow file can count a deadline or timer in.</summary>
public enum DurationUnit
{
    Days,
    WorkingDays,
    Weeks,
    Months,
    Years,
    YearEnd,
}

/// <summary>A deadline or timer length as written in a flow file: "10 working days", "30 days", "6 months",
/// "year-end" (or 10个工作日, 30天, 6个月, 年底). Due dates are whole days in Asia/Shanghai, ending at 23:59:59.</summary>
public sealed partial record DurationExpression(int Amount, DurationUnit Unit)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out DurationExpression? expression)
    {
        expression = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed is "year-end" or "年底")
        {
            expression = new DurationExpression(0, DurationUnit.YearEnd);
            return true;
        }

        var match = Pattern().Match(trimmed);
        if (!match.Success || !int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            || amount is <= 0 or > 3660)
        {
            return false;
        }

        DurationUnit? unit = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "day" or "days" or "天" or "日" => DurationUnit.Days,
            "working day" or "working days" or "工作日" => DurationUnit.WorkingDays,
            "week" or "weeks" or "周" or "星期" => DurationUnit.Weeks,
            "month" or "months" or "月" => DurationUnit.Months,
            "year" or "years" or "年" => DurationUnit.Years,
            _ => null,
        };
        if (unit is null)
        {
            return false;
        }

        expression = new DurationExpression(amount, unit.Value);
        return true;
    }

    /// <summary>The due instant for something that starts at <paramref name="from"/>.</summary>
    public DateTimeOffset DueFrom(DateTimeOffset from, IWorkingCalendar calendar)
    {
        var start = ShanghaiTime.DateOf(from);
        var due = Unit switch
        {
            DurationUnit.Days => start.AddDays(Amount),
            DurationUnit.WorkingDays => AddWorkingDays(start, Amount, calendar),
            DurationUnit.Weeks => start.AddDays(7 * Amount),
            DurationUnit.Months => start.AddMonths(Amount),
            DurationUnit.Years => start.AddYears(Amount),
            DurationUnit.YearEnd => new DateOnly(start.Year, 12, 31),
            _ => throw new InvalidOperationException($"Unknown unit {Unit}."),
        };
        return ShanghaiTime.EndOfDay(due);
    }

    /// <summary>The Nth working day after <paramref name="start"/>; the start day itself does not count.</summary>
    public static DateOnly AddWorkingDays(DateOnly start, int count, IWorkingCalendar calendar) => StepWorkingDays(start, count, 1, calendar);

    /// <summary>The Nth working day before <paramref name="end"/>; the end day itself does not count.</summary>
    public static DateOnly SubtractWorkingDays(DateOnly end, int count, IWorkingCalendar calendar) => StepWorkingDays(end, count, -1, calendar);

    /// <summary>Working days after <paramref name="from"/> up to and including <paramref name="to"/>; negative when
    /// <paramref name="to"/> lies before <paramref name="from"/> (the days an overdue deadline is behind).</summary>
    public static int CountWorkingDays(DateOnly from, DateOnly to, IWorkingCalendar calendar)
    {
        var (first, last, sign) = to >= from ? (from, to, 1) : (to, from, -1);
        var count = 0;
        for (var day = first.AddDays(1); day <= last; day = day.AddDays(1))
        {
            if (calendar.IsWorkingDay(day))
            {
                count++;
            }
        }

        return sign * count;
    }

    private static DateOnly StepWorkingDays(DateOnly from, int count, int step, IWorkingCalendar calendar)
    {
        var day = from;
        var counted = 0;
        var steps = 0;
        var limit = (366 * ((count / 200) + 2)) + 1;
        while (counted < count)
        {
            day = day.AddDays(step);
            if (++steps > limit)
            {
                // No calendar has so few working days; a broken one must not hang the service.
                throw new InvalidOperationException($"The working calendar has fewer than {count} working days within {limit} days of {from}.");
            }

            if (calendar.IsWorkingDay(day))
            {
                counted++;
            }
        }

        return day;
    }

    public override string ToString() => Unit switch
    {
        DurationUnit.YearEnd => "year-end",
        DurationUnit.WorkingDays => $"{Amount} working days",
        _ => $"{Amount} {Unit.ToString().ToLowerInvariant()}",
    };

    [GeneratedRegex(@"^(?<n>\d{1,4})\s*(个)?\s*(?<unit>[a-zA-Z ]+?|工作日|天|日|周|星期|月|年)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
