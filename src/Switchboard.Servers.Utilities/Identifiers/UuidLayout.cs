using System.Buffers.Binary;

namespace Switchboard.Servers.Utilities.Identifiers;

/// <summary>Reads the fields of a UUID as RFC 9562 lays them out (big-endian, §4).</summary>
internal static class UuidLayout
{
    /// <summary>Gregorian reform date, the epoch of UUIDv1 timestamps (RFC 9562 §5.1).</summary>
    private static readonly DateTimeOffset GregorianEpoch = new(1582, 10, 15, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An embedded Unix time in milliseconds; a tool error past year 9999, which 48 bits can reach (year 10889).</summary>
    public static DateTimeOffset FromUnixMilliseconds(long milliseconds) =>
        milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : ToolError.Throw<DateTimeOffset>($"The identifier embeds a creation time of {milliseconds} ms after 1970-01-01, which is after year 9999 and cannot be shown as a date.");

    /// <summary>The variant (RFC 9562 §4.1), from the top bits of octet 8.</summary>
    public static string Variant(Guid guid)
    {
        byte octet8 = guid.ToByteArray(bigEndian: true)[8];
        return octet8 switch
        {
            < 0x80 => "ncs",
            < 0xC0 => "rfc9562",
            < 0xE0 => "microsoft",
            _ => "future",
        };
    }

    /// <summary>The creation time of a UUIDv7 (§5.7) or UUIDv1 (§5.1); null for other versions.</summary>
    public static DateTimeOffset? Timestamp(Guid guid)
    {
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        switch (guid.Version)
        {
            case 7:
                // unix_ts_ms: the first 48 bits.
                long ms = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
                return FromUnixMilliseconds(ms);
            case 1:
                // time_low (32) | time_mid (16) | version (4) time_high (12), in 100 ns ticks since 1582-10-15.
                ulong timeLow = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                ulong timeMid = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
                ulong timeHigh = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]) & 0x0FFFu;
                ulong ticks = (timeHigh << 48) | (timeMid << 32) | timeLow;
                return GregorianEpoch.AddTicks((long)ticks);
            default:
                return null;
        }
    }
}
