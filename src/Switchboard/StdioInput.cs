using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Host;

/// <summary>
/// Standard input for <c>switchboard mcp NAME --stdio</c>, whose end reaches the SDK's transport only once every
/// message read before it has been handled and answered. The transport stops sending the moment its input ends, so a
/// client that writes its requests and closes the pipe (<c>echo '{…}' | switchboard mcp utilities --stdio</c>, as
/// scripts do) would otherwise get no answers at all.
/// </summary>
internal sealed class StdioInput(Stream stdin, StdioInput.Messages messages) : Stream
{
    // Lines the transport drops without handling (not JSON-RPC) are never counted as handled; past this much quiet
    // after the end, the end is passed on anyway.
    private static readonly TimeSpan UncountedLinesGrace = TimeSpan.FromSeconds(1);

    // Past this, the end is passed on even with requests still running: the client is gone, and the host's stop
    // cancels what is left.
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private long _lines;
    private bool _lineHasText;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The console stream ignores the token, so the wait is what lets a stop end a read that has no input.
        int read = await stdin.ReadAsync(buffer, cancellationToken).AsTask().WaitAsync(cancellationToken);
        if (read == 0)
        {
            CountLines(ReadOnlySpan<byte>.Empty, ended: true);
            await messages.WaitUntilHandledAsync(_lines, UncountedLinesGrace, LongestWait, PollInterval, cancellationToken);
        }
        else
        {
            CountLines(buffer.Span[..read], ended: false);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            stdin.Dispose();
        }

        base.Dispose(disposing);
    }

    // The lines the transport will try to read as messages: those with more than blanks (it skips the others).
    private void CountLines(ReadOnlySpan<byte> bytes, bool ended)
    {
        foreach (byte b in bytes)
        {
            if (b == (byte)'\n')
            {
                _lines += _lineHasText ? 1 : 0;
                _lineHasText = false;
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                _lineHasText = true;
            }
        }

        if (ended && _lineHasText)
        {
            _lines++;
            _lineHasText = false;
        }
    }

    /// <summary>
    /// The messages the server has taken in, and its requests not answered yet: message filters count the requests
    /// in and their answers out, once written (an error answer is sent after the request's handling has ended).
    /// </summary>
    internal sealed class Messages
    {
        private long _received;
        private int _unanswered;

        /// <summary>Signalled once the server runs; until then, what was read waits unhandled, which is not quiet.</summary>
        public CancellationToken ServerStarted { get; set; }

        public void AddTo(McpServerOptions options)
        {
            options.Filters.Message.IncomingFilters.Add(next => async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref _received);
                if (context.JsonRpcMessage is not JsonRpcRequest)
                {
                    await next(context, cancellationToken);
                    return;
                }

                Interlocked.Increment(ref _unanswered);
                try
                {
                    await next(context, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Decrement(ref _unanswered); // cancelled by the client: no answer goes out
                    throw;
                }
            });
            options.Filters.Message.OutgoingFilters.Add(next => async (context, cancellationToken) =>
            {
                await next(context, cancellationToken);
                if (context.JsonRpcMessage is JsonRpcResponse or JsonRpcError)
                {
                    Interlocked.Decrement(ref _unanswered);
                }
            });
        }

        /// <summary>
        /// Waits until <paramref name="lines"/> messages have been taken in and every request among them answered; when
        /// fewer arrive (a line that was not a message), until none has been waiting for an answer for <paramref name="grace"/>.
        /// </summary>
        public async Task WaitUntilHandledAsync(long lines, TimeSpan grace, TimeSpan longest, TimeSpan poll, CancellationToken cancellationToken)
        {
            var quietSince = TimeProvider.System.GetTimestamp();
            var started = quietSince;
            while (TimeProvider.System.GetElapsedTime(started) < longest)
            {
                if (Volatile.Read(ref _unanswered) > 0 || !ServerStarted.IsCancellationRequested)
                {
                    quietSince = TimeProvider.System.GetTimestamp();
                }
                else if (Interlocked.Read(ref _received) >= lines || TimeProvider.System.GetElapsedTime(quietSince) >= grace)
                {
                    return;
                }

                await Task.Delay(poll, cancellationToken);
            }
        }
    }
}
