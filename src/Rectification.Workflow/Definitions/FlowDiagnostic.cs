namespace Rectification.Workflow.Definitions;

/// <summary>How bad a diagnostic is: errors stop a flow from loading, warnings do not.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One problem found in a flow file: where (source, line, column, field) and what, in English and Chinese.</summary>
public sealed record FlowDiagnostic(
    string Source,
    int Line,
    int Column,
    string Field,
    string Message,
    string MessageZh,
    DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    public override string ToString() =>
        $"{Source}:{Line}:{Column}: {Severity.ToString().ToLowerInvariant()}: {Field}: {Message} / {MessageZh}";
}

/// <summary>The outcome of reading a flow file: the definition when it has no errors, every diagnostic, and the
/// flow's key whenever it could be read (so a draft with mistakes can still be saved under it).</summary>
public sealed record FlowReadResult(FlowDefinition? Definition, IReadOnlyList<FlowDiagnostic> Diagnostics, string? Key = null)
{
    public bool Succeeded => Definition is not null && !Errors.Any();

    public IEnumerable<FlowDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>Thrown when flow files fail to load; the message lists every error by file, line and field.</summary>
public sealed class FlowLoadException(IReadOnlyList<FlowDiagnostic> diagnostics)
    : Exception("Flow definitions are invalid:" + Environment.NewLine +
                string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d)))
{
    public IReadOnlyList<FlowDiagnostic> Diagnostics { get; } = diagnostics;
}
