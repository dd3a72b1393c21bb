using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Audit;

/// <summary>
/// One event's hash input, built in a buffer reused from event to event: the sequence number as a big-endian int64,
/// then the predecessor's hash, the timestamp (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, the SQLite column's text), actor,
/// action, target, outcome and details, each as a big-endian int32 UTF-8 length (-1 for null) and its bytes. The whole
/// input is hashed in one call on a hash object kept from event to event (creating one per event, and OpenSSL's
/// context with it, cost more than hashing), and the SQLite writer binds each field's UTF-8 straight from the same
/// buffer, so a field is encoded once per event for both. Not thread-safe: one per writer, or per thread.
/// </summary>
internal sealed class AuditEventEncoding : IDisposable
{
    /// <summary>The fields in hash order, as indexes for <see cref="Utf8"/>.</summary>
    public const int PrevHash = 0, OccurredAt = 1, Actor = 2, Action = 3, Target = 4, Outcome = 5, Details = 6;

    private const int FieldCount = 7;
    private const int KeptBuffer = 64 * 1024;
    private const int StampLength = 27; // yyyy-MM-ddTHH:mm:ss.ffffffZ

    private readonly int[] _starts = new int[FieldCount];
    private readonly int[] _lengths = new int[FieldCount];
    private readonly byte[] _hashUtf8 = new byte[SHA256.HashSizeInBytes * 2];
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer = new byte[1024];
    private int _used;

    /// <summary>The last encoded event's hash, lowercase hex.</summary>
    public string Hash { get; private set; } = string.Empty;

    /// <summary>The last encoded event's hash as the UTF-8 of its lowercase hex.</summary>
    public ReadOnlySpan<byte> HashUtf8 => _hashUtf8;

    /// <summary>A field of the last encoded event as UTF-8; false when it is null.</summary>
    public bool Utf8(int field, out ReadOnlySpan<byte> value)
    {
        int length = _lengths[field];
        value = length < 0 ? default : _buffer.AsSpan(_starts[field], length);
        return length >= 0;
    }

    /// <summary>Encodes an event and computes its hash (<see cref="Hash"/>).</summary>
    public void Encode(long seq, string? prevHash, DateTimeOffset occurredAt, string actor, string action, string? target, string outcome, string? details)
    {
        // Room for the worst case (three bytes per UTF-16 unit): arithmetic, not a pass over the strings. The buffer
        // doubles up to KeptBuffer and stays; one grown past that for a huge event (details may be configured up to
        // a megabyte) is dropped at the next smaller event, so no thread keeps megabytes for good.
        int most = checked((int)(sizeof(long) + (FieldCount * sizeof(int)) + StampLength
            + MaxBytes(prevHash) + MaxBytes(actor) + MaxBytes(action) + MaxBytes(target) + MaxBytes(outcome) + MaxBytes(details)));
        if (most > _buffer.Length || (_buffer.Length > KeptBuffer && most <= KeptBuffer))
        {
            _buffer = new byte[Math.Max(most, Math.Min(KeptBuffer, _buffer.Length * 2))];
        }

        BinaryPrimitives.WriteInt64BigEndian(_buffer, seq);
        _used = sizeof(long);
        Add(PrevHash, prevHash);
        WriteStamp(_buffer.AsSpan(_used + sizeof(int), StampLength), StorageDatabase.Normalize(occurredAt).UtcDateTime);
        Added(OccurredAt, StampLength);
        Add(Actor, actor);
        Add(Action, action);
        Add(Target, target);
        Add(Outcome, outcome);
        Add(Details, details);

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        _sha256.AppendData(_buffer, 0, _used);
        _sha256.GetHashAndReset(hash);
        Hash = Convert.ToHexStringLower(hash);
        Encoding.UTF8.GetBytes(Hash, _hashUtf8);
    }

    public void Dispose() => _sha256.Dispose();

    // The timestamp's fixed layout written digit by digit: formatting it with the custom format string parsed that
    // string again for every event, a quarter of the hashing's cost (issue 18). Same text as StorageDatabase.ToDb.
    private static void WriteStamp(Span<byte> to, DateTime utc)
    {
        Digits(to[..4], utc.Year);
        to[4] = (byte)'-';
        Digits(to.Slice(5, 2), utc.Month);
        to[7] = (byte)'-';
        Digits(to.Slice(8, 2), utc.Day);
        to[10] = (byte)'T';
        Digits(to.Slice(11, 2), utc.Hour);
        to[13] = (byte)':';
        Digits(to.Slice(14, 2), utc.Minute);
        to[16] = (byte)':';
        Digits(to.Slice(17, 2), utc.Second);
        to[19] = (byte)'.';
        Digits(to.Slice(20, 6), (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10));
        to[26] = (byte)'Z';
    }

    // Zero-padded decimal filling all of `to`.
    private static void Digits(Span<byte> to, int value)
    {
        for (int i = to.Length - 1; i >= 0; i--)
        {
            (value, int digit) = Math.DivRem(value, 10);
            to[i] = (byte)('0' + digit);
        }
    }

    private static long MaxBytes(string? value) => value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length);

    private void Add(int field, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_used), -1);
            _used += sizeof(int);
            (_starts[field], _lengths[field]) = (_used, -1);
            return;
        }

        Added(field, Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_used + sizeof(int))));
    }

    // The field's bytes are already in place after its length prefix.
    private void Added(int field, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_used), length);
        _used += sizeof(int);
        (_starts[field], _lengths[field]) = (_used, length);
        _used += length;
    }
}
