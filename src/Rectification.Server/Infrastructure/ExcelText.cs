namespace Rectification.Server.Infrastructure;

/// <summary>Text as it goes into a cell of a workbook we hand out: a leading =, +, -, @, tab or carriage return would make
/// Excel read the cell as a formula (formula injection), so such text gets a leading apostrophe and stays text.</summary>
public static class ExcelText
{
    public static string? Safe(string? text) => text is { Length: > 0 } && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
