using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MiniExcelLibs;
using Rectification.Server.Features.Import;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Files from outside (screening workbooks and CSVs, evidence, flow YAML) built to hurt: zip bombs, damaged and
/// cut-off archives, wrong encodings, lying names, YAML bombs. Each is refused with a 4xx problem naming the file (and
/// the line, for flows), quickly, without reading it whole, and nothing is stored.</summary>
public sealed class HostileUploadTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    [Fact]
    public async Task ZipBomb_OfHundredsOfMegabytesOfSharedStrings_IsRefusedBeforeTheReaderExpandsIt()
    {
        // 300 MB of one shared string, which the Excel reader would load whole into memory, in a few hundred KB of zip.
        var bomb = await WorkbookAsync(zip =>
        {
            using var part = zip.CreateEntry("xl/sharedStrings.xml", CompressionLevel.SmallestSize).Open();
            part.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>"u8);
            var zeros = Encoding.ASCII.GetBytes(new string('0', 64 * 1024));
            for (var i = 0; i < 300 * 16; i++)
            {
                part.Write(zeros);
            }

            part.Write("</t></si></sst>"u8);
        }, skip: "xl/sharedStrings.xml");
        Assert.InRange(bomb.Length, 1, 2 * 1024 * 1024);

        var clock = Stopwatch.StartNew();
        var problem = await PostAsync(bomb, Xlsx, HttpStatusCode.RequestEntityTooLarge);

        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _), problem.ToString());
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ZipBomb_WhoseArchiveUnderstatesItsSizes_ExpandsNoFurtherThanItDeclares()
    {
        // 40 MB of zeros declared as 1 KB, to get past a check of the declared sizes. The platform's zip reader stops at
        // the declared size (the guard would refuse a part that gave more), so the bomb never goes off.
        var bomb = await WorkbookAsync(zip =>
        {
            using var part = zip.CreateEntry("xl/worksheets/sheet2.xml", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[64 * 1024];
            for (var i = 0; i < 640; i++)
            {
                part.Write(zeros);
            }
        });
        var lying = Understate(bomb, "xl/worksheets/sheet2.xml", 1024);
        using (var zip = new ZipArchive(new MemoryStream(lying), ZipArchiveMode.Read))
        {
            var entry = zip.GetEntry("xl/worksheets/sheet2.xml")!;
            Assert.Equal(1024, entry.Length);
            using var part = entry.Open();
            long expanded = 0;
            var buffer = new byte[81920];
            try
            {
                int read;
                while ((read = await part.ReadAsync(buffer)) > 0)
                {
                    expanded += read;
                }
            }
            catch (InvalidDataException)
            {
                // Refusing the part outright is as good as stopping.
            }

            Assert.InRange(expanded, 0, 1024);
        }

        await PostAsync(lying, Xlsx, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Workbook_WithThousandsOfParts_IsRefused()
    {
        var crowded = await WorkbookAsync(zip =>
        {
            for (var i = 0; i < WorkbookGuard.MaxEntries + 1; i++)
            {
                zip.CreateEntry($"xl/media/image{i}.png");
            }
        });

        var problem = await PostAsync(crowded, Xlsx, HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("parts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DamagedOrCutOffWorkbooks_AreRefusedNamingTheFile_NeverA500()
    {
        // Found by the fuzzer (seed 1): a workbook damaged in one of its parts made the Excel reader throw a
        // NullReferenceException, a 500. Its one row names no village of the area, so a damage the reader shrugs off is a
        // 422 for the row, and nothing can be imported either way.
        var good = await WorkbookAsync(_ => { });
        var random = new Random(1);
        var damaged = new List<byte[]> { good[..(good.Length / 2)], good[..^1], good[22..], new byte[] { 0x50, 0x4B, 0x03, 0x04 } };
        for (var i = 0; i < 60; i++)
        {
            var copy = (byte[])good.Clone();
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            damaged.Add(copy);
        }

        damaged.Add(await WorkbookAsync(zip =>
        {
            using var styles = new StreamWriter(zip.CreateEntry("xl/styles.xml").Open());
            styles.Write("<styleSheet><cellXfs count=\"1\"><xf/></cellXfs></styleSheet>");
        }, skip: "xl/styles.xml"));
        damaged.Add(await WorkbookAsync(zip =>
        {
            using var sheet = new StreamWriter(zip.CreateEntry("xl/worksheets/sheet1.xml").Open());
            sheet.Write("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"-5\"><c r=\"ZZZZZZ99999999\" t=\"s\"><v>99999</v></c></row>");
        }, skip: "xl/worksheets/sheet1.xml"));

        using var secretary = await app.ClientForAsync("township-secretary");
        var before = await DatabaseFingerprint.QuietAsync(app);
        foreach (var (bytes, i) in damaged.Select((b, i) => (b, i)))
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(Xlsx);
            var response = await secretary.PostAsync("/api/v1/import/screening", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"damage #{i}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task Csv_SavedByExcelWithABom_Imports_AndOneInGbk_IsRefusedSayingSo()
    {
        // Excel's "CSV UTF-8" starts with a BOM; its plain "CSV" on a Chinese Windows is GBK.
        var csv = "村,情形,来源,备注\n长岭村,1、4,乡镇上报,书记长期缺职\n";
        var imported = await PostAsync([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)], "text/csv", HttpStatusCode.OK);
        Assert.Equal(1, imported.GetProperty("imported").GetInt32());

        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gbk = await PostAsync(Encoding.GetEncoding("GB18030").GetBytes(csv.Replace("长岭村", "杨木村", StringComparison.Ordinal)), "text/csv", HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", gbk.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_WithNulsHugeLinesOrBrokenQuotes_IsRefusedRowByRowOrWhole_NeverA500()
    {
        // None of these has a row that could be imported: a lenient reading (an unclosed quote) still finds no village.
        using var secretary = await app.ClientForAsync("township-secretary");
        var before = await DatabaseFingerprint.QuietAsync(app);
        string[] files =
        [
            "村,情形,来源\n李家村\0,1,乡镇上报\n",
            "村,情形,来源,备注\n李家村,1,乡镇上报,书记\0缺职\n",
            "村,情形,来源\n" + new string('村', 1_500_000) + ",1,乡镇上报\n",
            "村,情形,来源\n\"不存在村,1,乡镇上报\n",
            "村,情形,来源\n" + new string(',', 100_000) + "\n", // found slow: a minute of one core before the columns were counted
            "\0\0\0\0",
            "村\n",
            "=cmd|' /C calc'!A0,1,乡镇上报\n",
            "村,情形,来源,年度\n李家村,1,乡镇上报,99999999999999999999\n",
            "村,情形,来源\n不存在村,1,乡镇上报" + new string('\n', 1_000_000),
        ];
        foreach (var file in files)
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var clock = Stopwatch.StartNew();
            var response = await secretary.PostAsync("/api/v1/import/screening", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{file[..Math.Min(40, file.Length)]}: {clock.Elapsed}");
            Assert.True((int)response.StatusCode is 400 or 413 or 422, $"{file[..Math.Min(40, file.Length)]}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
        }

        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task Evidence_WithLyingNamesOrContent_IsRefused_AndNothingIsStored()
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        var item = (await secretary.LedgerItemsAsync(await app.CaseIdAsync("红旗村")))[0];
        var before = await DatabaseFingerprint.QuietAsync(app);
        var png = FuzzWorld.Png;
        (string Name, byte[] Bytes, HttpStatusCode Status)[] uploads =
        [
            ("photo\u202Egnp.exe", png, HttpStatusCode.BadRequest),   // shows as photoexe.png
            ("photo\u200B.png", png, HttpStatusCode.BadRequest),
            ("con\0.png", png, HttpStatusCode.BadRequest),
            ("..\\..\\web.config", png, HttpStatusCode.BadRequest),
            (new string('长', 201), png, HttpStatusCode.BadRequest),
            ("  ", png, HttpStatusCode.BadRequest),
            ("page.png", "<html><script>alert(1)</script></html>"u8.ToArray(), HttpStatusCode.UnsupportedMediaType),
            ("empty.pdf", [], HttpStatusCode.UnsupportedMediaType),
            ("short.png", png[..4], HttpStatusCode.UnsupportedMediaType),
        ];
        foreach (var (name, bytes, status) in uploads)
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            await (await secretary.PostAsync($"/api/v1/ledger/{item}/evidence?fileName={Uri.EscapeDataString(name)}", content)).ExpectAsync(status);
        }

        await before.AssertUnchangedAsync(app);
    }

    [Fact]
    public async Task FlowYaml_BuiltToHurt_IsReportedByLine_OrRefused_NeverA500()
    {
        using var admin = await app.ClientForAsync("county-admin");
        string[] files =
        [
            "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
            "key: x\nstages:\n" + string.Concat(Enumerable.Range(0, 40).Select(i => new string(' ', 2 * (i + 1)) + "- a:\n")),
            "key: x\nname: \0\n",
            "key: x\n\tname: tab\n",
            "!!python/object/apply:os.system [\"calc\"]\n",
            "key: x\nstages: {<<: *missing}\n",
            "key: " + new string('x', 200_000) + "\n",
            "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x\n",
            "key: x\nkey: y\n",
            "\uFEFFkey: x\n\uFEFFname: y\n",
        ];
        foreach (var file in files)
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
            var response = await admin.PostAsync("/api/v1/workflows/validate", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{file[..Math.Min(40, file.Length)]}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var report = JsonDocument.Parse(body).RootElement;
                Assert.False(report.GetProperty("valid").GetBoolean());
                Assert.All(report.GetProperty("diagnostics").EnumerateArray().Where(d => d.GetProperty("severity").GetString() == "error"),
                    d => Assert.True(d.GetProperty("line").GetInt32() >= 1, $"no line: {d}"));
            }
        }

        var invalidUtf8 = await (await admin.PostAsync("/api/v1/workflows/validate", Yaml([.. "key: "u8, 0xC3, 0x28, .. "\n"u8]))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(invalidUtf8.GetProperty("errors").TryGetProperty("body", out _));

        // A draft is stored as sent, mistakes and all: one with a NUL could not be stored on PostgreSQL (a 500).
        var before = await DatabaseFingerprint.QuietAsync(app);
        var nul = await (await admin.PostAsync("/api/v1/workflows", Yaml("key: rectification\nname: \0\n"u8.ToArray()))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("line 2", nul.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        await before.AssertUnchangedAsync(app);
    }

    private static ByteArrayContent Yaml(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        return content;
    }

    private async Task<JsonElement> PostAsync(byte[] body, string type, params HttpStatusCode[] expected)
    {
        using var secretary = await app.ClientForAsync("township-secretary");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        var response = await secretary.PostAsync("/api/v1/import/screening", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected.Contains(response.StatusCode), $"Expected {string.Join(" or ", expected.Select(e => (int)e))} but got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A real screening workbook (one row, of a village that does not exist) with parts added by <paramref name="add"/>, and the part named
    /// <paramref name="skip"/> left out for <paramref name="add"/> to replace.</summary>
    private static async Task<byte[]> WorkbookAsync(Action<ZipArchive> add, string? skip = null)
    {
        using var source = new MemoryStream();
        await MiniExcel.SaveAsAsync(source, new[] { new Dictionary<string, object?> { ["村"] = "不存在村", ["情形"] = "1", ["来源"] = "乡镇上报" } });
        source.Position = 0;
        using var output = new MemoryStream();
        using (var from = new ZipArchive(source, ZipArchiveMode.Read))
        using (var to = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in from.Entries.Where(e => e.FullName != skip))
            {
                using var read = entry.Open();
                using var write = to.CreateEntry(entry.FullName).Open();
                await read.CopyToAsync(write);
            }

            add(to);
        }

        return output.ToArray();
    }

    /// <summary>The archive with the uncompressed size of one part rewritten, in its local header and the central
    /// directory: what a hand-made bomb does to get past a check of the declared sizes.</summary>
    private static byte[] Understate(byte[] zip, string part, uint size)
    {
        var bytes = (byte[])zip.Clone();
        var name = Encoding.UTF8.GetBytes(part);
        for (var i = 0; i + 46 < bytes.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            if (signature == 0x04034b50 && bytes.AsSpan(i + 30, name.Length).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 22), size);
            }
            else if (signature == 0x02014b50 && bytes.AsSpan(i + 46, Math.Min(name.Length, bytes.Length - i - 46)).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), size);
            }
        }

        return bytes;
    }
}
