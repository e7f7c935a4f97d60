using System.Text;
using Rectification.Workflow.Definitions;
using Rectification.Workflow.Guards;

namespace Rectification.Workflow.Tests.Definitions;

/// <summary>Broken flow files: each mistake is reported with the line, column and field it concerns, and a flow
/// with errors never loads. The YAML is inline so the line numbers can be read off the test.</summary>
public sealed class FlowReaderTests
{
    private const string Source = "test.yaml";

    [Fact]
    public void Read_UnknownStageRole_ReportsLineAndField()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin, mayor]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((7, 12, "stages[open].roles"), (error.Line, error.Column, error.Field));
        Assert.Contains("'mayor'", error.Message, StringComparison.Ordinal);
        Assert.Contains("mayor", error.MessageZh, StringComparison.Ordinal);
        Assert.Equal(Source, error.Source);
    }

    [Fact]
    public void Read_UnknownChecklistRole_ReportsTheRoleValue()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                checklist:
                  - { key: signed, name: Signed, role: mayor }
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    guards:
                      - checklist: complete
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((8, 44, "stages[open].checklist[signed].role"), (error.Line, error.Column, error.Field));
        Assert.Contains("'mayor'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ActionToMissingStage_ReportsToLineAndField()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: clsoed
              - key: closed
                name: Closed
                terminal: true
            """);

        // Closed is then unreachable as well; both are real mistakes of this file.
        Assert.Null(result.Definition);
        Assert.Equal(
            [(12, 13, "stages[open].actions[close].to"), (13, 5, "stages[closed]")],
            result.Diagnostics.Select(d => (d.Line, d.Column, d.Field)));
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Contains("'clsoed'", result.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StageUnreachableFromStart_ReportsStageLine()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
              - key: orphan
                name: Orphan
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
            """);

        var error = SingleError(result);
        Assert.Equal((16, 5, "stages[orphan]"), (error.Line, error.Column, error.Field));
        Assert.Contains("cannot be reached from the start stage 'open'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonTerminalStageWithoutActionsOrTimers_ReportsStageLine()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                  - key: park
                    name: Park
                    roles: [county-admin]
                    to: limbo
              - key: limbo
                name: Limbo
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((17, 5, "stages[limbo]"), (error.Line, error.Column, error.Field));
        Assert.Contains("no way out", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateStageKeys_ReportsSecondStage()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
              - key: closed
                name: Closed again
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((16, 5, "stages[closed].key"), (error.Line, error.Column, error.Field));
        Assert.Contains("'closed' is used twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateActionKeysInStage_ReportsSecondAction()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                  - key: close
                    name: Close too
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((13, 9, "stages[open].actions[close].key"), (error.Line, error.Column, error.Field));
        Assert.Contains("action key 'close' is used twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeadlineThatDoesNotParse_ReportsValueLineAndColumn()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                deadline: soon
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((8, 15, "stages[open].deadline"), (error.Line, error.Column, error.Field));
        Assert.Contains("'soon'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownGuardKind_ReportsGuardKindAndIndex()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    guards:
                      - comment: required
                      - approval: required
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((15, 13, "stages[open].actions[close].guards[1]"), (error.Line, error.Column, error.Field));
        Assert.Contains("'approval'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownKeyTypo_ReportsKeyLineAndColumn()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actoins:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        // The typo is reported first; what it causes (a stage with no way out, one that cannot be reached) follows.
        Assert.Null(result.Definition);
        var error = result.Diagnostics[0];
        Assert.Equal((8, 5, "stages[open].actoins"), (error.Line, error.Column, error.Field));
        Assert.Contains("Unknown key 'actoins'", error.Message, StringComparison.Ordinal);
        Assert.Contains("actions", error.Message, StringComparison.Ordinal);
        Assert.Equal(["stages[open].actoins", "stages[open]", "stages[closed]"], result.Diagnostics.Select(d => d.Field));
    }

    [Fact]
    public void Read_FieldsGuardNamingUndeclaredField_ReportsGuardLine()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    fields:
                      - { key: leader, name: Leader }
                    guards:
                      - fields: [leader, mayorName]
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((16, 21, "stages[open].actions[close].guards[0].fields"), (error.Line, error.Column, error.Field));
        Assert.Contains("'mayorName'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'leader'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_YamlSyntaxError_ReportsLine()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
               roles: [county-admin]
            """);

        var error = SingleError(result);
        Assert.Equal((7, 4, "(syntax)"), (error.Line, error.Column, error.Field));
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateMappingKey_ReportsSyntaxErrorAtSecondKey()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            name: Maxi
            start: open
            """);

        var error = SingleError(result);
        Assert.Equal((3, 1, "(syntax)"), (error.Line, error.Column, error.Field));
    }

    [Fact]
    public void Read_AnchorAndAlias_AreRejectedAtTheAnchor()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: &admins [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: *admins
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        // The anchor is refused where it is defined, before any alias can use it.
        var error = SingleError(result);
        Assert.Equal((7, 12, "(syntax)"), (error.Line, error.Column, error.Field));
        Assert.Contains("Anchors (&name) and aliases (*name)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileOfExactlyMaxBytes_Loads()
    {
        var yaml = PadTo(ValidFlow, FlowReader.MaxBytes);

        var result = FlowReader.Read(Source, yaml);

        Assert.Equal(FlowReader.MaxBytes, Encoding.UTF8.GetByteCount(yaml));
        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Read_FileOverMaxBytes_IsRejectedWithoutParsing()
    {
        // The padding would parse; the size alone rejects it.
        var result = FlowReader.Read(Source, PadTo(ValidFlow, FlowReader.MaxBytes + 1));

        var error = SingleError(result);
        Assert.Equal((1, 1, "(file)"), (error.Line, error.Column, error.Field));
        Assert.Contains("256 KB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileUnderMaxCharactersButOverMaxBytes_IsRejected()
    {
        // Chinese text is three bytes a character in UTF-8: the limit is on bytes, not characters.
        var yaml = ValidFlow + "# " + new string('整', FlowReader.MaxBytes / 3 + 1) + "\n";

        var result = FlowReader.Read(Source, yaml);

        Assert.True(yaml.Length < FlowReader.MaxBytes);
        Assert.Equal("(file)", SingleError(result).Field);
    }

    [Fact]
    public void Read_SeveralMistakesWhileReading_ReportsEveryOneInFileOrder()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin, mayor]
                deadline: soon
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    guards:
                      - approval: required
              - key: closed
                name: Closed
                terminal: true
                timerz: []
            """);

        Assert.Null(result.Definition);
        Assert.Equal(
            [
                (7, "stages[open].roles"),
                (8, "stages[open].deadline"),
                (15, "stages[open].actions[close].guards[0]"),
                (19, "stages[closed].timerz"),
            ],
            result.Diagnostics.Select(d => (d.Line, d.Field)));
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void Read_SeveralMistakesAcrossStages_ReportsEveryOne()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                  - key: close
                    name: Close again
                    roles: [county-admin]
                    to: closed
                  - key: park
                    name: Park
                    roles: [county-admin]
                    to: nowhere
              - key: closed
                name: Closed
                terminal: true
              - key: orphan
                name: Orphan
                terminal: true
            """);

        Assert.Null(result.Definition);
        Assert.Equal(
            [
                (13, "stages[open].actions[close].key"),
                (20, "stages[open].actions[park].to"),
                (24, "stages[orphan]"),
            ],
            result.Diagnostics.Select(d => (d.Line, d.Field)));
    }

    [Fact]
    public void Read_ChecklistGuardOnStageWithoutChecklist_WarnsAndStillLoads()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    guards:
                      - checklist: complete
              - key: closed
                name: Closed
                terminal: true
            """);

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal((14, 13, "stages[open].actions[close].guards[0].checklist"), (warning.Line, warning.Column, warning.Field));
        Assert.True(result.Succeeded);
        Assert.Empty(result.Errors);
        var guard = Assert.Single(result.Definition!.GetStage("open").FindAction("close")!.Guards);
        Assert.IsType<ChecklistCompleteGuard>(guard);
    }

    private const string ValidFlow = """
        key: mini
        name: Mini
        start: open
        stages:
          - key: open
            name: Open
            roles: [county-admin]
            actions:
              - key: close
                name: Close
                roles: [county-admin]
                to: closed
          - key: closed
            name: Closed
            terminal: true

        """;

    [Fact]
    public void Read_UnclosedBracket_ReportsASyntaxErrorInsteadOfThrowing()
    {
        var result = FlowReader.Read(Source, "key: a\nname: [x, y\nstart: b\n");

        var error = SingleError(result);
        Assert.Equal("(syntax)", error.Field);
        Assert.InRange(error.Line, 1, 3);
    }

    [Fact]
    public void Read_GuardWithListAsKind_ReportsTheGuard()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    guards:
                      - { [a, b]: c }
              - key: closed
                name: Closed
                terminal: true
            """);

        Assert.Equal((13, 15, "stages[open].actions[close].guards[0]"), (SingleError(result).Line, SingleError(result).Column, SingleError(result).Field));
    }

    [Fact]
    public void Read_ActionWithoutRoles_IsAnError()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                actions:
                  - key: close
                    name: Close
                    to: closed
              - key: closed
                name: Closed
                terminal: true
            """);

        var error = SingleError(result);
        Assert.Equal((8, 9, "stages[open].actions[close].roles"), (error.Line, error.Column, error.Field));
    }

    [Theory]
    [InlineData("7")]
    [InlineData("\"date, number\"")]
    [InlineData("colour")]
    public void Read_UnknownFieldType_IsAnError(string type)
    {
        var result = FlowReader.Read(Source, $"""
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
                    fields:
                      - {"{"} key: when, name: When, type: {type} {"}"}
              - key: closed
                name: Closed
                terminal: true
            """);

        Assert.Equal("stages[open].actions[close].fields[when].type", SingleError(result).Field);
    }

    [Theory]
    [InlineData("plan_review")]
    [InlineData("Plan")]
    [InlineData("plan review")]
    public void Read_StageKeyThatIsNotAnIdentifier_IsAnError(string key)
    {
        var result = FlowReader.Read(Source, $"""
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: closed
              - key: closed
                name: Closed
                terminal: true
              - key: "{key}"
                name: Odd
                terminal: true
            """);

        Assert.Contains(result.Errors, e => e.Field == "stages[2].key" && e.Line == 15);
    }

    [Fact]
    public void Read_ReaderAndValidatorMistakes_AreReportedInOneRound()
    {
        var result = FlowReader.Read(Source, """
            key: mini
            name: Mini
            start: open
            stages:
              - key: open
                name: Open
                roles: [county-admin, mayor]
                actions:
                  - key: close
                    name: Close
                    roles: [county-admin]
                    to: nowhere
              - key: closed
                name: Closed
                terminal: true
            """);

        Assert.Null(result.Definition);
        Assert.Equal(
            ["stages[open].roles", "stages[open].actions[close].to", "stages[closed]"],
            result.Errors.Select(d => d.Field));
    }

    [Fact]
    public void Read_NestingDeeperThanMaxDepth_IsRefusedAtTheFirstTooDeepNode()
    {
        // The root mapping is one level, so MaxDepth brackets make MaxDepth + 1; the last '[' is the one refused.
        var yaml = "key: mini\nname: Mini\ndescription: " + new string('[', FlowReader.MaxDepth) + "x"
            + new string(']', FlowReader.MaxDepth) + "\nstart: open\n";

        var result = FlowReader.Read(Source, yaml);

        var error = SingleError(result);
        Assert.Equal((3, "description: ".Length + FlowReader.MaxDepth, "(syntax)"), (error.Line, error.Column, error.Field));
        Assert.Equal("Nested more than 16 levels deep; a flow file needs far fewer.", error.Message);
    }

    [Fact]
    public void Read_DeeplyNestedBlockSequences_AreRefusedAtTheLineOfTheTooDeepNode()
    {
        var yaml = new StringBuilder("key: mini\nname: Mini\ndescription:\n");
        for (var level = 0; level < FlowReader.MaxDepth; level++)
        {
            yaml.Append(new string(' ', 2 * level)).Append("-\n");
        }

        yaml.Append(new string(' ', 2 * FlowReader.MaxDepth)).Append("x\n");

        var error = SingleError(FlowReader.Read(Source, yaml.ToString()));

        // Line 4 opens the second level (the root mapping is the first), so line 3 + MaxDepth opens level MaxDepth + 1.
        Assert.Equal((3 + FlowReader.MaxDepth, 2 * (FlowReader.MaxDepth - 1) + 1, "(syntax)"), (error.Line, error.Column, error.Field));
    }

    [Fact]
    public void Read_NestingOfExactlyMaxDepth_IsNotRefused()
    {
        // The description is free text the reader ignores, so only the depth check could refuse this file.
        var yaml = ValidFlow.Replace("name: Mini\n", "name: Mini\ndescription: " + new string('[', FlowReader.MaxDepth - 1) + "x"
            + new string(']', FlowReader.MaxDepth - 1) + "\n", StringComparison.Ordinal);

        var result = FlowReader.Read(Source, yaml);

        Assert.Contains("description: [[", yaml, StringComparison.Ordinal);
        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Read_ValidFile_ReportsItsKey()
    {
        var result = FlowReader.Read(Source, ValidFlow);

        Assert.Equal("mini", result.Key);
        Assert.Equal("mini", result.Definition!.Key);
    }

    [Fact]
    public void Read_FileWithErrors_StillReportsItsKey()
    {
        var result = FlowReader.Read(Source, ValidFlow.Replace("to: closed", "to: clsoed", StringComparison.Ordinal));

        Assert.Null(result.Definition);
        Assert.NotEmpty(result.Errors);
        Assert.Equal("mini", result.Key);
    }

    [Fact]
    public void Read_FileWithErrorsInTheFlowHeader_StillReportsItsKey()
    {
        var result = FlowReader.Read(Source, ValidFlow.Replace("name: Mini\n", "", StringComparison.Ordinal));

        Assert.Equal(["name"], result.Errors.Select(e => e.Field));
        Assert.Equal("mini", result.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("key: \"  \"\n")]
    [InlineData("key: [mini]\n")]
    public void Read_FileWithoutAUsableKey_HasNoKey(string keyLine)
    {
        var result = FlowReader.Read(Source, keyLine + ValidFlow.Replace("key: mini\n", "", StringComparison.Ordinal));

        Assert.Null(result.Key);
        Assert.Null(result.Definition);
        Assert.Contains(result.Errors, e => e.Field == "key");
    }

    /// <summary>Appends a comment so the file is exactly <paramref name="bytes"/> bytes of UTF-8.</summary>
    private static string PadTo(string yaml, int bytes)
    {
        var prefix = yaml + "# ";
        return prefix + new string('x', bytes - Encoding.UTF8.GetByteCount(prefix) - 1) + "\n";
    }

    private static FlowDiagnostic SingleError(FlowReadResult result)
    {
        Assert.Null(result.Definition);
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        return error;
    }
}
