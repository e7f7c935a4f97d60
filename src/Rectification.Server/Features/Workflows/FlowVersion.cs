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
}
