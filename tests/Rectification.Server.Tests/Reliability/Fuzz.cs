using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rectification.Server.Tests.Reliability;

/// <summary>How much a fuzz run does and from which seed: small and fixed by default so the suite stays quick and a
/// failure repeats; RECTIFICATION_FUZZ_ITERATIONS and RECTIFICATION_FUZZ_SEED raise or vary it on a developer's machine.</summary>
public static class FuzzSettings
{
    public static int Iterations { get; } = int.TryParse(Environment.GetEnvironmentVariable("RECTIFICATION_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;

    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("RECTIFICATION_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20260302;

    /// <summary>A seed for one target that does not change between runs (string.GetHashCode does), so each endpoint's
    /// cases are the same whatever other endpoints exist.</summary>
    public static int SeedFor(string name)
    {
        var hash = 2166136261u ^ (uint)Seed;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}

/// <summary>Hostile values and mutations: what a careless client, a broken script or an attacker sends.</summary>
public static class Hostile
{
    /// <summary>Strings that have broken services before: empty and blank, very long, control characters, formulas,
    /// injections, odd Unicode, lookalike digits, dates that do not exist and durations out of range.</summary>
    public static readonly string[] Strings =
    [
        "", " ", "\t", "\r\n", "null", "undefined", "0", "-1", "NaN", "Infinity", "1e309", "true",
        new string('长', 5000), new string('a', 70_000), "a\0b", "\0", "\u0007\u001b[31m",
        "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "＝1+1",
        "' OR '1'='1", "\"; DROP TABLE \"Cases\"; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x/a}",
        "../../etc/passwd", "..\\..\\boot.ini", "%00", "%zz", "\u202Eabc", "😀👨‍👩‍👧", "\uFEFF", "\u2028\u2029", "\u0085",
        "\uD800", "\uDC00x", "ＡＢＣ", "１２", "٣", " 2026 ", "2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31",
        "2026-06-30T00:00:00Z", "P99999999D", "-P1D", "PT0S", "P3D", "1.5", "1,000", "0x10",
    ];

    public static readonly string[] Numbers =
    [
        "0", "-1", "1", "2", "7", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "9223372036854775808",
        "1e308", "-1e308", "1e400", "0.1", "1.5", "-0", "99999999999999999999999999999999", "1E2",
    ];

    public static string Pick(this Random random, IReadOnlyList<string> values) => values[random.Next(values.Count)];

    public static T Pick<T>(this Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    /// <summary>A JSON value of any kind, mostly of the wrong kind for wherever it lands.</summary>
    public static JsonNode? Value(Random random) => random.Next(9) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Pick(Strings)),
        2 => JsonNode.Parse(random.Pick(Numbers.Where(n => n != "1e400" && !n.StartsWith("9999999999", StringComparison.Ordinal)).ToList())),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => new JsonArray(),
        5 => new JsonObject(),
        6 => new JsonArray(JsonValue.Create(random.Pick(Strings)), JsonValue.Create(random.Next())),
        7 => new JsonObject { ["x"] = JsonValue.Create(random.Pick(Strings)) },
        _ => JsonValue.Create(random.Next(-5, 100_000)),
    };

    /// <summary>Applies one to three structural mutations to a copy of <paramref name="body"/>: a value replaced by one of
    /// another kind, a member dropped, an unknown member added, an element duplicated.</summary>
    public static JsonNode? Mutate(JsonNode? body, Random random)
    {
        var copy = body?.DeepClone();
        var times = random.Next(1, 4);
        for (var i = 0; i < times; i++)
        {
            var nodes = Nodes(copy).ToList();
            var target = nodes.Count == 0 ? null : random.Pick(nodes);
            switch (random.Next(5))
            {
                case 0 or 1 when target is not null && target.Parent is not null:
                    Replace(target, Value(random));
                    break;
                case 2 when target?.Parent is JsonObject parent:
                    parent.Remove(target.GetPropertyName());
                    break;
                case 3 when target is JsonObject obj:
                    obj[random.Pick(["unknown", "__proto__", "constructor", "$type", "id", "Version", ""])] = Value(random);
                    break;
                case 4 when target is JsonArray array:
                    array.Add(array.Count > 0 ? array[0]?.DeepClone() : Value(random));
                    break;
                default:
                    if (target is null || target.Parent is null)
                    {
                        copy = random.Next(4) == 0 ? Value(random) : copy;
                    }
                    else
                    {
                        Replace(target, Value(random));
                    }

                    break;
            }
        }

        return copy;
    }

    /// <summary>Bytes a JSON parser must refuse or survive: truncated, with invalid UTF-8, a BOM, comments, trailing
    /// garbage, duplicate members, nesting far beyond any sane depth, an enormous array.</summary>
    public static byte[] MangleText(string json, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        switch (random.Next(11))
        {
            case 0:
                return bytes[..random.Next(bytes.Length + 1)];
            case 1:
                var at = random.Next(bytes.Length + 1);
                return [.. bytes[..at], .. random.Pick<byte[]>([[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00]]), .. bytes[at..]];
            case 2:
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case 3:
                return Encoding.UTF8.GetBytes("/* c */" + json + "// end");
            case 4:
                return Encoding.UTF8.GetBytes(json + random.Pick(["}", "]", ",", "{}", "\u0000", " x"]));
            case 5:
                return json.StartsWith('{') && json.Length > 2
                    ? Encoding.UTF8.GetBytes("{\"comment\":1,\"comment\":\"two\"," + json[1..])
                    : Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2}");
            case 6:
                var depth = random.Next(65, 20_000);
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            case 7:
                return Encoding.UTF8.GetBytes("{\"problems\":[" + string.Join(",", Enumerable.Repeat("1", random.Next(1000, 100_000))) + "]}");
            case 8:
                return Encoding.Unicode.GetBytes(json);
            case 9:
                return Encoding.UTF8.GetBytes(json.Replace('"', '\''));
            default:
                return Encoding.UTF8.GetBytes(random.Pick(["", "null", "[]", "\"x\"", "123", "{}", "{", "tru", "NaN", "{\"a\":NaN}", "{\"a\":1e400}"]));
        }
    }

    /// <summary>Bytes of a file mangled the way transfers and tools break files: bits flipped, cut short, a block
    /// repeated or dropped, random bytes inserted.</summary>
    public static byte[] MangleBytes(byte[] file, Random random)
    {
        var bytes = (byte[])file.Clone();
        switch (random.Next(6))
        {
            case 5 when bytes.Length > 0:
                // One of the file's own bytes (a comma, a quote, a newline, a '<') many thousand times over: parsers that
                // are quadratic in something show it.
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], .. Enumerable.Repeat(bytes[at], random.Next(1000, 200_000)), .. bytes[at..]];
            case 0:
                for (var i = random.Next(1, 16); i > 0 && bytes.Length > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length + 1)];
            case 2:
                var start = random.Next(bytes.Length + 1);
                var length = random.Next(Math.Min(4096, bytes.Length - start) + 1);
                return [.. bytes[..start], .. bytes[start..], .. bytes[start..(start + length)]];
            case 3:
                var from = random.Next(bytes.Length + 1);
                var to = Math.Min(bytes.Length, from + random.Next(512));
                return [.. bytes[..from], .. bytes[to..]];
            default:
                var junk = new byte[random.Next(1, 256)];
                random.NextBytes(junk);
                var where = random.Next(bytes.Length + 1);
                return [.. bytes[..where], .. junk, .. bytes[where..]];
        }
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode? node)
    {
        if (node is null)
        {
            yield break;
        }

        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Nodes(child))
            {
                yield return descendant;
            }
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject obj:
                obj[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
        }
    }

    /// <summary>JSON text of a node, writing strings the way a sloppy client would (no escaping of non-ASCII).</summary>
    public static string Text(JsonNode? node) => node is null ? "null" : node.ToJsonString(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
