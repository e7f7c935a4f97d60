namespace Rectification.Server.Infrastructure;

/// <summary>Text as it goes into a cell of a workbook we hand out: a leading =, +, -, @, tab or carriage return would make
/// Excel read the cell as a formula (formula injection), so such text gets a leading apostrophe and stays text.</summary>
public static class ExcelText
{
    // OWASP's list of formula triggers (= + - @, tab, carriage return), and their full-width forms: Excel in a Chinese or
    // Japanese input mode turns ＝＋－＠ typed at the start of a cell into a formula, so a cell someone edits and confirms
    // would run. Both stay text in the workbook as written; the apostrophe keeps them text when a person touches the cell.
    private static readonly System.Buffers.SearchValues<char> Triggers = System.Buffers.SearchValues.Create("=+-@\t\r＝＋－＠");

    public static string? Safe(string? text) => text is { Length: > 0 } && Triggers.Contains(text[0]) ? "'" + text : text;
}
