using Rectification.Workflow.Time;

namespace Rectification.Workflow.Tests.Time;

/// <summary>Deadlines as written in flow files, and the due instant they give in Asia/Shanghai.</summary>
public sealed class DurationExpressionTests
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    [Theory]
    [InlineData("10 working days", 10, DurationUnit.WorkingDays)]
    [InlineData("1 working day", 1, DurationUnit.WorkingDays)]
    [InlineData("10 Working Days", 10, DurationUnit.WorkingDays)]
    [InlineData("  30 days  ", 30, DurationUnit.Days)]
    [InlineData("30 days", 30, DurationUnit.Days)]
    [InlineData("2 weeks", 2, DurationUnit.Weeks)]
    [InlineData("6 months", 6, DurationUnit.Months)]
    [InlineData("1 year", 1, DurationUnit.Years)]
    [InlineData("year-end", 0, DurationUnit.YearEnd)]
    [InlineData("10个工作日", 10, DurationUnit.WorkingDays)]
    [InlineData("30天", 30, DurationUnit.Days)]
    [InlineData("30日", 30, DurationUnit.Days)]
    [InlineData("2周", 2, DurationUnit.Weeks)]
    [InlineData("6个月", 6, DurationUnit.Months)]
    [InlineData("1年", 1, DurationUnit.Years)]
    [InlineData("年底", 0, DurationUnit.YearEnd)]
    public void TryParse_KnownForm_GivesAmountAndUnit(string text, int amount, DurationUnit unit)
    {
        Assert.True(DurationExpression.TryParse(text, out var expression));
        Assert.Equal(new DurationExpression(amount, unit), expression);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ten days")]
    [InlineData("0 days")]
    [InlineData("-3 days")]
    [InlineData("3661 days")]
    [InlineData("10 fortnights")]
    [InlineData("10")]
    [InlineData("days")]
    [InlineData("1.5 months")]
    [InlineData("end of year")]
    public void TryParse_UnreadableText_IsRejected(string? text)
    {
        Assert.False(DurationExpression.TryParse(text, out var expression));
        Assert.Null(expression);
    }

    [Theory]
    [InlineData("10个工作日", "10 working days")]
    [InlineData("30天", "30 days")]
    [InlineData("6个月", "6 months")]
    [InlineData("年底", "year-end")]
    public void ToString_ChineseForm_IsTheEnglishForm(string text, string expected)
    {
        Assert.True(DurationExpression.TryParse(text, out var expression));
        Assert.Equal(expected, expression.ToString());
    }

    [Fact]
    public void DueFrom_OneWorkingDayFromFriday_IsMondayEndOfDay()
    {
        var due = Parse("1 working day").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 3, 9, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_TenWorkingDaysFromFriday_SkipsTwoWeekends()
    {
        var due = Parse("10 working days").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 3, 20, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_StartOnSaturday_CountsFromTheNextWorkingDay()
    {
        var due = Parse("1 working day").DueFrom(new DateTimeOffset(2026, 3, 7, 9, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 3, 9, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_LateUtcEveningThatIsNextDayInShanghai_CountsFromTheShanghaiDay()
    {
        // 2026-03-01T20:00Z is Sunday in UTC but Monday 2026-03-02 04:00 in Shanghai.
        var start = new DateTimeOffset(2026, 3, 1, 20, 0, 0, TimeSpan.Zero);

        var due = Parse("1 working day").DueFrom(start, WeekdayCalendar.Instance);

        Assert.Equal(new DateOnly(2026, 3, 2), ShanghaiTime.DateOf(start));
        AssertDue(new DateTimeOffset(2026, 3, 3, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_CalendarDays_CountsWeekendsToo()
    {
        var due = Parse("30 days").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 4, 5, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_OneMonthFromJanuary31_IsLastDayOfFebruary()
    {
        var due = Parse("1 month").DueFrom(new DateTimeOffset(2026, 1, 31, 9, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 2, 28, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_SixMonthsFromAugust31_IsLastDayOfFebruaryNextYear()
    {
        var due = Parse("6个月").DueFrom(new DateTimeOffset(2026, 8, 31, 9, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2027, 2, 28, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_YearEnd_IsDecember31OfTheStartYear()
    {
        var due = Parse("year-end").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2026, 12, 31, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_YearEndFromNewYearsEveUtcThatIsNewYearInShanghai_IsEndOfTheNewYear()
    {
        // 2026-12-31T16:30Z is 2027-01-01 00:30 in Shanghai.
        var due = Parse("年底").DueFrom(new DateTimeOffset(2026, 12, 31, 16, 30, 0, TimeSpan.Zero), WeekdayCalendar.Instance);

        AssertDue(new DateTimeOffset(2027, 12, 31, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_WorkingDaysOverAHoliday_SkipsTheHoliday()
    {
        var calendar = new HolidayCalendar([new DateOnly(2026, 3, 9)]);

        var due = Parse("1 working day").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), calendar);

        AssertDue(new DateTimeOffset(2026, 3, 10, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_WorkingDaysOverAWorkedSaturday_CountsTheSaturday()
    {
        var calendar = new HolidayCalendar([], workedWeekendDays: [new DateOnly(2026, 3, 7)]);

        var due = Parse("1 working day").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), calendar);

        AssertDue(new DateTimeOffset(2026, 3, 7, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void DueFrom_CalendarDaysOverAHoliday_IgnoresTheCalendar()
    {
        var calendar = new HolidayCalendar([new DateOnly(2026, 3, 9)]);

        var due = Parse("3 days").DueFrom(new DateTimeOffset(2026, 3, 6, 10, 0, 0, Shanghai), calendar);

        AssertDue(new DateTimeOffset(2026, 3, 9, 23, 59, 59, Shanghai), due);
    }

    [Fact]
    public void AddWorkingDays_StartDayItself_DoesNotCount()
    {
        Assert.Equal(new DateOnly(2026, 3, 10), DurationExpression.AddWorkingDays(new DateOnly(2026, 3, 9), 1, WeekdayCalendar.Instance));
    }

    private static DurationExpression Parse(string text) =>
        DurationExpression.TryParse(text, out var expression) ? expression : throw new ArgumentException($"Cannot parse '{text}'.", nameof(text));

    /// <summary>Due instants are compared as instants and must also carry the Shanghai offset.</summary>
    private static void AssertDue(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected, actual);
        Assert.Equal(Shanghai, actual.Offset);
    }

    [Fact]
    public void AddWorkingDays_CalendarWithoutWorkingDays_ThrowsInsteadOfLoopingForever()
    {
        Assert.Throws<InvalidOperationException>(() => DurationExpression.AddWorkingDays(new DateOnly(2026, 3, 2), 5, new NoWorkingDays()));
    }

    private sealed class NoWorkingDays : IWorkingCalendar
    {
        public bool IsWorkingDay(DateOnly day) => false;
    }
}
