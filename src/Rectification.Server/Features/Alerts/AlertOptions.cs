namespace Rectification.Server.Features.Alerts;

/// <summary>One step of the escalation chain: after so many working days overdue, tell a role at a level.</summary>
public sealed record EscalationStep
{
    public int AfterWorkingDays { get; init; }

    /// <summary>county or city: where the alert goes.</summary>
    public string To { get; init; } = "county";
}

/// <summary>When reminders, overdue alerts and escalations are raised; bound from the <c>Alerts</c> section.</summary>
public sealed record AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Working days before a deadline to remind the responsible township. Default: 3 and 1.</summary>
    // Empty here and filled by From(): the configuration binder appends to a list that already has items.
    public IReadOnlyList<int> RemindWorkingDaysBefore { get; init; } = [];

    /// <summary>The escalation chain. Default: 3 working days overdue → county organisation department; 10 → city.</summary>
    public IReadOnlyList<EscalationStep> Escalations { get; init; } = [];

    /// <summary>The options in a configuration section, with the defaults where it says nothing.</summary>
    public static AlertOptions From(IConfigurationSection section)
    {
        var options = section.Get<AlertOptions>() ?? new AlertOptions();
        return options with
        {
            RemindWorkingDaysBefore = section.GetSection(nameof(RemindWorkingDaysBefore)).Exists() ? options.RemindWorkingDaysBefore : [3, 1],
            Escalations = section.GetSection(nameof(Escalations)).Exists()
                ? options.Escalations
                : [new EscalationStep { AfterWorkingDays = 3, To = "county" }, new EscalationStep { AfterWorkingDays = 10, To = "city" }],
        };
    }

    /// <summary>An alert raised this long after it fell due is marked late. Default: 1 hour.</summary>
    public TimeSpan LateAfter { get; init; } = TimeSpan.FromHours(1);
}
