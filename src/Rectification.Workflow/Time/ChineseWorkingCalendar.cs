using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rectification.Workflow.Time;

/// <summary>One year of the official calendar: the days off and the weekend days worked instead (调休).</summary>
public sealed record CalendarYear(int Year, IReadOnlySet<DateOnly> Holidays, IReadOnlySet<DateOnly> Workdays)
{
    /// <summary>Reads <c>year</c>, <c>holidays: [{name, from, to}]</c> and <c>workdays: [dates]</c>; a mistake throws
    /// with its line, since a wrong calendar would move every deadline.</summary>
    public static CalendarYear Parse(string source, string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException($"{source}:1:1: expected year, holidays and workdays.");
        }

        var yearNode = Child(root, "year", source);
        if (!int.TryParse((yearNode as YamlScalarNode)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > 2100)
        {
            throw Error(source, yearNode, "year must be a year such as 2026.");
        }

        var holidays = new HashSet<DateOnly>();
        if (Child(root, "holidays", source) is not YamlSequenceNode holidayList)
        {
            throw Error(source, root, "holidays must be a list of {name, from, to}.");
        }

        foreach (var holiday in holidayList)
        {
            if (holiday is not YamlMappingNode map)
            {
                throw Error(source, holiday, "each holiday is {name, from, to}.");
            }

            var from = Date(Child(map, "from", source), source, year);
            var to = Date(Child(map, "to", source), source, year);
            if (to < from || to.DayNumber - from.DayNumber > 31)
            {
                throw Error(source, map, "a holiday runs from a date to a later one, at most a month.");
            }

            for (var day = from; day <= to; day = day.AddDays(1))
            {
                holidays.Add(day);
            }
        }

        var workdays = new HashSet<DateOnly>();
        if (root.Children.TryGetValue(new YamlScalarNode("workdays"), out var workdayNode))
        {
            if (workdayNode is not YamlSequenceNode workdayList)
            {
                throw Error(source, workdayNode, "workdays must be a list of dates.");
            }

            foreach (var day in workdayList.Select(node => Date(node, source, year)))
            {
                if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) || holidays.Contains(day))
                {
                    throw Error(source, workdayList, $"{day:yyyy-MM-dd} is a workday already or a holiday; list only weekend days worked instead.");
                }

                workdays.Add(day);
            }
        }

        return new CalendarYear(year, holidays, workdays);
    }

    private static YamlNode Child(YamlMappingNode map, string key, string source) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : throw Error(source, map, $"'{key}' is required.");

    private static DateOnly Date(YamlNode node, string source, int year) =>
        DateOnly.TryParseExact((node as YamlScalarNode)?.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
        && date.Year == year
            ? date
            : throw Error(source, node, $"expected a date of {year} as yyyy-MM-dd.");

    private static FormatException Error(string source, YamlNode node, string message) => new($"{source}:{node.Start.Line}:{node.Start.Column}: {message}");
}

/// <summary>The Chinese working calendar: Monday to Friday, less official holidays, plus the weekend days worked instead
/// (调休). For a year not yet published it counts plain weekdays and says so once through <c>onUnknownYear</c>.</summary>
public sealed class ChineseWorkingCalendar(IEnumerable<CalendarYear> years, Action<int>? onUnknownYear = null) : IWorkingCalendar
{
    private readonly Dictionary<int, CalendarYear> _years = years.ToDictionary(y => y.Year);
    private readonly HashSet<int> _warned = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<int> KnownYears => _years.Keys;

    public bool IsWorkingDay(DateOnly day)
    {
        if (_years.TryGetValue(day.Year, out var year))
        {
            return year.Workdays.Contains(day) || (WeekdayCalendar.Instance.IsWorkingDay(day) && !year.Holidays.Contains(day));
        }

        lock (_gate)
        {
            if (_warned.Add(day.Year))
            {
                onUnknownYear?.Invoke(day.Year);
            }
        }

        return WeekdayCalendar.Instance.IsWorkingDay(day);
    }
}
