using System.IO.Compression;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Import;

/// <summary>Looks inside an uploaded .xlsx (a zip) before the Excel reader expands it. A few hundred KB of zip can hold
/// gigabytes of XML (a zip bomb), and the reader loads some parts, the shared strings, whole into memory: so an archive
/// with too many parts, parts that claim or turn out to expand far beyond a screening sheet, or sizes that do not match
/// what comes out is refused here, reading at most <see cref="MaxExpandedBytes"/>.</summary>
public static class WorkbookGuard
{
    /// <summary>A workbook saved by Excel or WPS has a dozen or two parts; one per sheet, image or style beyond that.</summary>
    public const int MaxEntries = 256;

    /// <summary>All parts together, expanded: a screening sheet of <see cref="ImportScreening.MaxRows"/> rows is a few MB.</summary>
    public const long MaxExpandedBytes = 32 * 1024 * 1024;

    /// <summary>Sheet XML compresses about 10:1; a part over 1 MB that compresses better than 100:1 is padding, not data.</summary>
    public const int MaxRatio = 100;

    private const long RatioCheckedFrom = 1024 * 1024;

    /// <summary>Null when the archive may be handed to the reader; else the problem naming the file. Leaves the stream at 0.</summary>
    public static Problem? Check(Stream workbook)
    {
        try
        {
            using var zip = new ZipArchive(workbook, ZipArchiveMode.Read, leaveOpen: true);
            if (zip.Entries.Count > MaxEntries)
            {
                return Refuse($"The workbook has {zip.Entries.Count} parts; at most {MaxEntries}.");
            }

            long declared = 0;
            foreach (var entry in zip.Entries)
            {
                declared += entry.Length;
                if (declared > MaxExpandedBytes)
                {
                    return Refuse($"The workbook expands to more than {MaxExpandedBytes / 1024 / 1024} MB.");
                }

                if (entry.Length >= RatioCheckedFrom && entry.Length / Math.Max(1, entry.CompressedLength) > MaxRatio)
                {
                    return Refuse($"The part {entry.FullName} expands {entry.Length / Math.Max(1, entry.CompressedLength)} times; at most {MaxRatio}.");
                }
            }

            // The sizes above are the archive's own word: count what actually comes out, and stop at the first lie.
            var buffer = new byte[81920];
            long expanded = 0;
            foreach (var entry in zip.Entries)
            {
                using var part = entry.Open();
                long size = 0;
                int read;
                while ((read = part.Read(buffer)) > 0)
                {
                    size += read;
                    expanded += read;
                    if (size > entry.Length || expanded > MaxExpandedBytes)
                    {
                        return Refuse($"The part {entry.FullName} expands beyond the size the archive declares for it.");
                    }
                }
            }

            return null;
        }
        catch (InvalidDataException)
        {
            return Problem.Invalid("file", "The file is not a readable .xlsx workbook (a damaged or incomplete zip); save it again from Excel or start from the template.");
        }
        finally
        {
            workbook.Position = 0;
        }
    }

    private static Problem Refuse(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Too large", detail,
        new Dictionary<string, string[]> { ["file"] = [detail] });
}
