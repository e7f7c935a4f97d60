namespace Rectification.Server.Features.Workflows;

/// <summary>One immutable version of a flow: each distinct content of a flow file becomes the next version.</summary>
public sealed class FlowVersion
{
    public int Id { get; set; }

    public required string Key { get; set; }

    public int Version { get; set; }

    public required string Name { get; set; }

    /// <summary>SHA-256 of the file content, to tell whether a file changed since it was last loaded.</summary>
    public required string ContentHash { get; set; }

    public required string Source { get; set; }

    public required string Yaml { get; set; }

    public DateTimeOffset LoadedAt { get; set; }

    /// <summary>0 for the defaults every county uses; otherwise the county the version was published for.</summary>
    public int ScopeId { get; set; }

    /// <summary>Who published it through the service; null for versions read from files.</summary>
    public int? PublishedById { get; set; }

    public string? PublishedByName { get; set; }
}

/// <summary>A flow being edited: saved with its mistakes, published only without them. One per flow key and scope.</summary>
public sealed class FlowDraft
{
    public int Id { get; set; }

    public required string Key { get; set; }

    /// <summary>0 for a default flow (edited at city level); otherwise the county it is for.</summary>
    public int ScopeId { get; set; }

    public required string Yaml { get; set; }

    public int AuthorId { get; set; }

    public required string AuthorName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Counts saves; a publish deletes the draft only if nobody saved it since it was read.</summary>
    public int Revision { get; set; }
}
