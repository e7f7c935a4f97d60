using Rectification.Workflow.Definitions;

namespace Rectification.Workflow.Tests;

/// <summary>Where the tests find the shipped files: flow files and golden diagrams are copied next to the test
/// assembly by the project file; configuration is read from the repository itself.</summary>
internal static class TestFiles
{
    private static readonly Lazy<FlowDefinition> Default = new(() =>
    {
        var result = ReadWorkflow("rectification.yaml");
        return result.Definition
            ?? throw new InvalidOperationException("The shipped default flow does not load:\n" + string.Join("\n", result.Diagnostics));
    });

    public static string WorkflowsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "workflows");

    public static string DiagramsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "Diagrams");

    /// <summary>The shipped default flow, read once; definitions are immutable, so tests can share it.</summary>
    public static FlowDefinition DefaultFlow => Default.Value;

    /// <summary>Every flow file the server would load (it reads both extensions), by file name, in ordinal order.</summary>
    public static IReadOnlyList<string> WorkflowFileNames() =>
        Directory.EnumerateFiles(WorkflowsFolder, "*.yaml")
            .Concat(Directory.EnumerateFiles(WorkflowsFolder, "*.yml"))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

    public static FlowReadResult ReadWorkflow(string fileName) =>
        FlowReader.Read(fileName, File.ReadAllText(Path.Combine(WorkflowsFolder, fileName)));

    /// <summary>The folder holding <c>Rectification.sln</c>, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Rectification.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Rectification.sln.");
    }
}
