namespace Rectification.Server.Features.Users;

/// <summary>A person who signs in; acts only within the subtree of their org unit.</summary>
public sealed class User
{
    public int Id { get; set; }

    public required string UserName { get; set; }

    public required string DisplayName { get; set; }

    public string PasswordHash { get; set; } = "";

    public int OrgUnitId { get; set; }

    public List<UserRole> Roles { get; set; } = [];

    /// <summary>Failed sign-ins since the last success; reaching the limit locks the account.</summary>
    public int FailedLogins { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>Changes whenever the password does; every token and cookie carries the stamp it was issued with, so a
    /// password change signs the user out everywhere.</summary>
    public string SecurityStamp { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One role a user holds.</summary>
public sealed class UserRole
{
    public int UserId { get; set; }

    public required string Role { get; set; }
}
