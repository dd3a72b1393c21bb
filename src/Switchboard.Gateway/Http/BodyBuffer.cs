using System.Buffers;

namespace Switchboard.Gateway.Http;

/// <summary>
/// A request body held whole in memory. Bodies up to <see cref="MaxPooledBytes"/> live in arrays rented from
/// <see cref="ArrayPool{T}.Shared"/>; larger ones in plain arrays the GC reclaims. The shared pool keeps what is
/// returned to it for the life of the process, so renting for bodies near the 4 MiB limit let a burst of them pin
/// hundreds of megabytes (issue 17: resident memory grew five-fold under hostile input and stayed there).
/// </summary>
internal sealed class BodyBuffer : IDisposable
{
    /// <summary>The largest body kept in pooled memory; most JSON-RPC requests are a few hundred bytes.</summary>
    internal const int MaxPooledBytes = 64 * 1024;

    private byte[] _buffer;
    private int _length;

    public BodyBuffer(int capacity) => _buffer = Allocate(capacity);

    /// <summary>The bytes read so far.</summary>
    public ReadOnlyMemory<byte> Content => _buffer.AsMemory(0, _length);

    /// <summary>Room for the next read; grows the buffer when it is full.</summary>
    public Memory<byte> FreeSpace
    {
        get
        {
            if (_length == _buffer.Length)
            {
                byte[] larger = Allocate(_buffer.Length * 2);
                _buffer.AsSpan(0, _length).CopyTo(larger);
                Release(_buffer);
                _buffer = larger;
            }

            return _buffer.AsMemory(_length);
        }
    }

    public void Advance(int count) => _length += count;

    /// <summary>The content as a read-only stream, valid until this buffer is disposed.</summary>
    public Stream AsStream() => new MemoryStream(_buffer, 0, _length, writable: false);

    public void Dispose()
    {
        Release(_buffer);
        _buffer = [];
        _length = 0;
    }

    private static byte[] Allocate(int capacity) =>
        capacity <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(capacity) : GC.AllocateUninitializedArray<byte>(capacity);

    private static void Release(byte[] buffer)
    {
        if (buffer.Length is > 0 and <= MaxPooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
