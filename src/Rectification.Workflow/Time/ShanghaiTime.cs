namespace Rectification.Workflow.Time;

/// <summary>Conversions to the time zone every deadline is counted in (Asia/Shanghai).</summary>
public static class ShanghaiTime
{
    /// <summary>Asia/Shanghai; China has kept UTC+8 without daylight saving since 1991, so a fixed zone stands in
    /// where the machine has no time-zone data.</summary>
    public static TimeZoneInfo Zone { get; } = FindZone();

    public static DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant).DateTime);

    /// <summary>The last second of a day in Shanghai: a deadline on that day still allows work during all of it.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date)
    {
        var local = date.ToDateTime(new TimeOnly(23, 59, 59));
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>Reads a day written as yyyy-MM-dd, the one form dates take in requests and files.</summary>
    public static bool TryParseDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day);

    /// <summary>Reads a day already checked with <see cref="TryParseDay"/>.</summary>
    public static DateOnly ParseDay(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A deadline moved on by working days (a suspension, a recomputation), still at the end of its day.</summary>
    public static DateTimeOffset ShiftByWorkingDays(DateTimeOffset deadline, int workingDays, IWorkingCalendar calendar) => workingDays == 0
        ? deadline
        : EndOfDay(DurationExpression.AddWorkingDays(DateOf(deadline), workingDays, calendar));

    private static TimeZoneInfo FindZone()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.CreateCustomTimeZone("Asia/Shanghai", TimeSpan.FromHours(8), "China Standard Time", "China Standard Time");
        }
    }
}
