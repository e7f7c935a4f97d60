using Rectification.Workflow.Time;

namespace Rectification.Workflow.Tests.Time;

/// <summary>The official calendar shipped in config/calendar: holidays off, weekend days worked instead (调休) on.</summary>
public sealed class ChineseWorkingCalendarTests
{
    private static readonly Lazy<ChineseWorkingCalendar> Shipped = new(() => new ChineseWorkingCalendar(
        Directory.GetFiles(Path.Combine(TestFiles.RepositoryRoot(), "config", "calendar"), "*.yaml")
            .Select(f => CalendarYear.Parse(Path.GetFileName(f), File.ReadAllText(f)))));

    [Theory]
    [InlineData("2026-02-14", true)] // Saturday worked before the Spring Festival
    [InlineData("2026-02-16", false)] // Monday in the Spring Festival
    [InlineData("2026-10-08", true)] // Thursday after National Day
    [InlineData("2026-10-10", true)] // Saturday worked after National Day
    [InlineData("2026-10-11", false)] // an ordinary Sunday
    [InlineData("2025-01-26", true)] // Sunday worked before the 2025 Spring Festival
    [InlineData("2025-10-08", false)] // National Day and Mid-Autumn together in 2025
    public void IsWorkingDay_ShippedCalendar_FollowsTheStateCouncilsArrangement(string day, bool working)
    {
        Assert.Equal(working, Shipped.Value.IsWorkingDay(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void WorkingDays_AcrossNationalDayAndSpringFestival_SkipTheHolidaysAndCountTheWeekendDaysWorked()
    {
        // From Monday 2026-09-28: Sep 29, 30, (Oct 1-7 off), Oct 8, 9, Sat 10 (worked), 12, 13, 14, 15, 16.
        var due = new DurationExpression(10, DurationUnit.WorkingDays).DueFrom(new DateTimeOffset(2026, 9, 28, 9, 0, 0, TimeSpan.FromHours(8)), Shipped.Value);
        Assert.Equal(new DateTimeOffset(2026, 10, 16, 23, 59, 59, TimeSpan.FromHours(8)), due);
        Assert.Equal(new DateOnly(2026, 2, 14), DurationExpression.AddWorkingDays(new DateOnly(2026, 2, 13), 1, Shipped.Value));
        // Across the Spring Festival: Sat 02-14 (worked), then 02-15 to 02-23 off, Tue 02-24, Wed 02-25.
        Assert.Equal(new DateOnly(2026, 2, 25), DurationExpression.AddWorkingDays(new DateOnly(2026, 2, 13), 3, Shipped.Value));
    }

    [Fact]
    public void CountWorkingDays_AcrossTheSpringFestival_CountsBothWaysAndIsTheInverseOfAdding()
    {
        var from = new DateOnly(2026, 2, 13);
        var to = DurationExpression.AddWorkingDays(from, 3, Shipped.Value);
        Assert.Equal(3, DurationExpression.CountWorkingDays(from, to, Shipped.Value));
        Assert.Equal(-3, DurationExpression.CountWorkingDays(to, from, Shipped.Value));
        Assert.Equal(0, DurationExpression.CountWorkingDays(from, from, Shipped.Value));
        // Feb 15 to 23 are the holiday: nothing between them counts.
        Assert.Equal(0, DurationExpression.CountWorkingDays(new DateOnly(2026, 2, 15), new DateOnly(2026, 2, 23), Shipped.Value));
    }

    [Fact]
    public void IsWorkingDay_UnpublishedYear_CountsWeekdaysAndSaysSoOnce()
    {
        var unknown = new List<int>();
        var calendar = new ChineseWorkingCalendar([], unknown.Add);
        Assert.True(calendar.IsWorkingDay(new DateOnly(2030, 10, 1)));
        Assert.False(calendar.IsWorkingDay(new DateOnly(2030, 10, 5)));
        Assert.Equal([2030], unknown);
    }

    [Theory]
    [InlineData("year: 2026\nholidays:\n  - { name: x, from: 2026-13-01, to: 2026-13-02 }\n", "3:")]
    [InlineData("year: 2026\nholidays: []\nworkdays: [2026-03-02]\n", "3:")]
    [InlineData("year: 2026\nholidays:\n  - { name: x, from: 2025-01-01, to: 2025-01-02 }\n", "3:")]
    [InlineData("holidays: []\n", "1:")]
    public void Parse_Mistake_ThrowsNamingTheLine(string yaml, string line)
    {
        var ex = Assert.Throws<FormatException>(() => CalendarYear.Parse("2026.yaml", yaml));
        Assert.StartsWith($"2026.yaml:{line}", ex.Message, StringComparison.Ordinal);
    }
}
