using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Rectification.Server.Features.Cases;

namespace Rectification.Server.Features.Audit;

/// <summary>Chains each case's history: an entry's hash covers the previous entry's hash and every field of the entry, so
/// editing, removing or inserting an entry directly in the database shows up when the chain is recomputed.</summary>
public static class HistoryChain
{
    /// <summary>The hash of <paramref name="entry"/> following an entry whose hash is <paramref name="previous"/> (null for
    /// a case's first entry), as 64 lowercase hex digits.</summary>
    public static string Link(string? previous, CaseEvent entry)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Every field is written with its length (or -1 for null), so no two different entries give the same bytes.
        Append(sha, previous);
        Append(sha, entry.Seq);
        Append(sha, entry.At.UtcTicks);
        Append(sha, entry.ActorId ?? -1L);
        Append(sha, entry.ActorName);
        Append(sha, entry.Kind);
        Append(sha, entry.Action);
        Append(sha, entry.FromStage);
        Append(sha, entry.ToStage);
        Append(sha, entry.Comment);
        Append(sha, entry.Changes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void Append(IncrementalHash sha, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        sha.AppendData(bytes);
    }

    private static void Append(IncrementalHash sha, string? value)
    {
        if (value is null)
        {
            Append(sha, -1L);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Append(sha, bytes.LongLength);
        sha.AppendData(bytes);
    }
}
