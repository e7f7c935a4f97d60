namespace Rectification.Server.Features.Auth;

/// <summary>Sign-in settings, bound from the <c>Auth</c> section and validated on start.</summary>
public sealed record AuthOptions
{
    public const string Section = "Auth";

    /// <summary>How long a bearer token is valid. Default: 8 hours, one working day.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Failed sign-ins in a row that lock the account. Default: 5.</summary>
    public int MaxFailedLogins { get; init; } = 5;

    /// <summary>How long a locked account stays locked. Default: 15 minutes.</summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in attempts one address may make per minute, whatever the accounts: the lockout stops guessing one
    /// password, this stops trying one password on many accounts. Default: 30.</summary>
    public int SignInsPerMinute { get; init; } = 30;
}
