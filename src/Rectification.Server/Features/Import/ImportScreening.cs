using System.Globalization;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Situations;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Import;

/// <summary>Screening results (摸底排查) from Excel or CSV become proposed cases. The whole file is checked first:
/// if any row is wrong nothing is imported, and the answer lists every bad row and why.</summary>
public static class ImportScreening
{
    public const string Village = "村";
    public const string Situations = "情形";
    public const string Source = "来源";
    public const string Note = "备注";
    public const string Year = "年度";

    /// <summary>A screening sheet is a few hundred rows; the bounds keep a hostile file from costing much.</summary>
    public const int MaxBytes = 5 * 1024 * 1024;

    public const int MaxRows = 2000;

    /// <summary>Fields on one CSV line: the sheet has five, and a few empty ones beyond them are harmless.</summary>
    public const int MaxCsvFields = 64;

    public sealed record RowProblem(int Row, IReadOnlyList<string> Errors);

    public sealed record Response(int Imported, IReadOnlyList<int> CaseIds);

    private static readonly Dictionary<string, string> Sources = new(StringComparer.Ordinal)
    {
        ["township-report"] = "township-report",
        ["乡镇上报"] = "township-report",
        ["乡镇党委上报"] = "township-report",
        ["supervision-team"] = "supervision-team",
        ["督导组"] = "supervision-team",
        ["督导组摸排"] = "supervision-team",
    };

    private sealed record Row(int Number, int VillageId, int Year, IReadOnlyList<string> Situations, string Source, string? Note);

    public sealed class Handler(AppDbContext db, OrgDirectory orgs, SituationCatalog catalog, ProposeCase.Handler propose, CaseStore store,
        TimeProvider clock, ILogger<Handler> logger)
    {
        public async Task<Result<Response>> HandleAsync(CurrentUser actor, Stream file, bool csv, CancellationToken cancellationToken)
        {
            if (!(actor.Has(Roles.TownshipSecretary) || actor.Has(Roles.Inspector) || actor.Has(Roles.CountyAdmin)))
            {
                return Problem.Forbidden("Only township secretaries, inspectors and county admins propose cases.");
            }

            if ((csv ? CheckCsv(file) : WorkbookGuard.Check(file)) is { } refused)
            {
                return refused;
            }

            List<IDictionary<string, object?>> sheet;
            try
            {
                sheet = MiniExcel.Query(file, useHeaderRow: true, excelType: csv ? ExcelType.CSV : ExcelType.XLSX)
                    .Cast<IDictionary<string, object?>>().Take(MaxRows + 1).ToList();
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                // The reader is a library's, fed bytes from outside: a damaged part (a flipped bit, a cut-off file) surfaces as
                // whatever it throws, a NullReferenceException included. That is the file's fault, not ours; logged all the same.
                logger.LogInformation(ex, "Screening file of {User} not readable as {Type}", actor.UserName, csv ? "CSV" : "xlsx");
                return Problem.Invalid("file", $"The file cannot be read as {(csv ? "CSV" : "an .xlsx workbook")}; start from the template.");
            }

            if (sheet.Count == 0)
            {
                return Problem.Invalid("file", $"No rows: the first row holds the headers {Village}, {Situations}, {Source}, {Note}.");
            }

            if (sheet.Count > MaxRows)
            {
                return Problem.Invalid("file", $"At most {MaxRows} rows at a time.");
            }

            var missing = new[] { Village, Situations, Source }.Where(h => !sheet[0].ContainsKey(h)).ToList();
            if (missing.Count > 0)
            {
                return Problem.Invalid("file", $"Missing columns: {string.Join(", ", missing)}.");
            }

            var visible = await orgs.VisibleTo(actor).Where(o => o.Level == OrgLevel.Village).ToListAsync(cancellationToken);
            var thisYear = ShanghaiTime.DateOf(clock.GetUtcNow()).Year;
            var rows = new List<Row>();
            var problems = new List<RowProblem>();
            for (var i = 0; i < sheet.Count; i++)
            {
                var number = i + 2; // the header is row 1
                var errors = new List<string>();
                // A cell may hold a NUL written as _x0000_ in the workbook's XML, or a raw one in a CSV.
                errors.AddRange(new[] { Village, Situations, Source, Note, Year }.Where(c => NulText.In(Cell(sheet[i], c))).Select(c => $"{c}: {NulText.Message}"));
                var villageText = Cell(sheet[i], Village);
                var matches = visible.Where(v => v.Code == villageText || v.Name == villageText).ToList();
                if (string.IsNullOrEmpty(villageText))
                {
                    errors.Add($"{Village}: required (code or name).");
                }
                else if (matches.Count != 1)
                {
                    errors.Add(matches.Count == 0 ? $"{Village}: no village '{villageText}' in your area." : $"{Village}: '{villageText}' names several villages; use the code.");
                }

                var codes = (Cell(sheet[i], Situations) ?? "").Split(['、', ',', '，', ';', '；', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (codes.Length == 0)
                {
                    errors.Add($"{Situations}: at least one code, e.g. 1、4.");
                }

                errors.AddRange(codes.Where(c => !catalog.Contains(c)).Select(c => $"{Situations}: unknown code '{c}'."));
                var sourceText = Cell(sheet[i], Source) ?? "";
                if (!Sources.TryGetValue(sourceText, out var source))
                {
                    errors.Add($"{Source}: '{sourceText}' is not 乡镇上报 or 督导组摸排.");
                }

                var year = thisYear;
                if (Cell(sheet[i], Year) is { Length: > 0 } yearText && (!int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out year) || year < 2000 || year > thisYear + 1))
                {
                    errors.Add($"{Year}: '{yearText}' is not a year between 2000 and {thisYear + 1}.");
                }

                var note = Cell(sheet[i], Note);
                if (note is { Length: > 2000 })
                {
                    errors.Add($"{Note}: at most 2000 characters.");
                }

                if (errors.Count > 0)
                {
                    problems.Add(new RowProblem(number, errors));
                    continue;
                }

                var village = matches[0];
                if (rows.FirstOrDefault(r => r.VillageId == village.Id && r.Year == year) is { } twin)
                {
                    problems.Add(new RowProblem(number, [$"{Village}: {village.Name} {year} is already on row {twin.Number}."]));
                    continue;
                }

                rows.Add(new Row(number, village.Id, year, codes.Distinct().ToList(), source!, note));
            }

            var open = await db.Cases.Where(c => c.OpenYear != null).Select(c => new { c.VillageId, c.OpenYear }).ToListAsync(cancellationToken);
            foreach (var row in rows.Where(r => open.Any(o => o.VillageId == r.VillageId && o.OpenYear == r.Year)))
            {
                problems.Add(new RowProblem(row.Number, [$"{Village}: {visible.Single(v => v.Id == row.VillageId).Name} already has an open case for {row.Year}."]));
            }

            if (problems.Count > 0)
            {
                return new Problem(StatusCodes.Status422UnprocessableEntity, "Rows with mistakes",
                    $"{problems.Count} of {sheet.Count} rows have mistakes; nothing was imported.",
                    Extensions: new Dictionary<string, object?> { ["rows"] = problems.OrderBy(p => p.Row).ToList() });
            }

            // All rows or none: one transaction around the proposals. An idempotent request brings its own, and rolls it back
            // when the answer is a refusal.
            await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            var ids = new List<int>();
            foreach (var row in rows)
            {
                var result = await propose.HandleAsync(actor, new ProposeCase.Request(row.VillageId, row.Year, row.Situations, row.Source, row.Note), cancellationToken);
                if (!result.Succeeded)
                {
                    if (transaction is not null)
                    {
                        await transaction.RollbackAsync(cancellationToken);
                    }

                    return result.Problem with { Detail = $"Row {row.Number}: {result.Problem.Detail} Nothing was imported." };
                }

                ids.Add(result.Value.Id);
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            await store.ScheduleDeferredAsync();
            logger.LogInformation("Screening import by {User}: {Count} cases proposed", actor.UserName, ids.Count);
            return new Response(ids.Count, ids);
        }

        /// <summary>Checks a CSV before the reader sees it. It must be UTF-8: Excel's plain "CSV" on a Chinese Windows is
        /// GBK, which read as UTF-8 is garbage with every column "missing", so say what is wrong instead. And no line may
        /// have more than <see cref="MaxCsvFields"/> fields: the reader's time grows with the square of a line's fields
        /// (100 KB of commas kept a core busy for a minute). Leaves the stream at 0.</summary>
        private static Problem? CheckCsv(Stream file)
        {
            var decoder = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
            var bytes = new byte[81920];
            var chars = new char[81921];
            long offset = 0;
            var line = 1;
            var fields = 1;
            var quoted = false;
            try
            {
                int read;
                while ((read = file.Read(bytes)) > 0)
                {
                    var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                    offset += read;
                    foreach (var c in chars.AsSpan(0, count))
                    {
                        if (c == '"')
                        {
                            quoted = !quoted;
                        }
                        else if (c == ',' && !quoted && ++fields > MaxCsvFields)
                        {
                            return Problem.Invalid("file", $"Line {line} has more than {MaxCsvFields} columns; the sheet has {Village}, {Situations}, {Source}, {Note}, {Year}.");
                        }
                        else if (c == '\n' && !quoted)
                        {
                            line++;
                            fields = 1;
                        }
                    }
                }

                decoder.GetChars([], 0, 0, chars, 0, flush: true);
                return null;
            }
            catch (System.Text.DecoderFallbackException ex)
            {
                return Problem.Invalid("file", $"The CSV is not UTF-8 (invalid bytes near byte {offset + ex.Index}, line {line}); save it as \"CSV UTF-8\" and upload again.");
            }
            finally
            {
                file.Position = 0;
            }
        }

        private static string? Cell(IDictionary<string, object?> row, string column) =>
            row.TryGetValue(column, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim() : null;
    }

    /// <summary>The template offices fill in: the headers and one example row.</summary>
    public static async Task<Stream> TemplateAsync(CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        var rows = new[]
        {
            new Dictionary<string, object?> { [Village] = "220211100201", [Situations] = "1、4", [Source] = "乡镇上报", [Note] = "示例：村党组织书记长期缺职", [Year] = null },
        };
        await MiniExcel.SaveAsAsync(stream, rows, cancellationToken: cancellationToken);
        stream.Position = 0;
        return stream;
    }
}
