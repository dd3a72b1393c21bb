using System.Buffers;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.JsonRpc;

namespace Switchboard.Host;

/// <summary>
/// Standard input for <c>switchboard mcp NAME --stdio</c>, as the SDK's transport reads it, with two differences.
/// Each line is checked as an HTTP body is (<see cref="JsonRpcMessageCheck"/>) before the transport sees it: the
/// transport drops a line that is not JSON without a word, and answers other malformed messages with an internal
/// error, where JSON-RPC 2.0 wants a parse error (-32700), an invalid request (-32600) or invalid params (-32602),
/// with the id when it can be read. Such a line is answered here, through the transport (which writes one message
/// at a time), and not passed on. And the end of input reaches the transport only once every message read before
/// it has been handled and answered: the transport stops sending the moment its input ends, so a client that writes
/// its requests and closes the pipe (<c>echo '{…}' | switchboard mcp utilities --stdio</c>, as scripts do) would
/// otherwise get no answers at all.
/// </summary>
internal sealed class StdioInput(Stream stdin, StdioInput.Messages messages) : Stream
{
    // Lines the check passes that the transport still cannot read as a message are never counted as handled; past this
    // much quiet after the end, the end is passed on anyway.
    private static readonly TimeSpan UncountedLinesGrace = TimeSpan.FromSeconds(1);

    // Past this, the end is passed on even with requests still running: the client is gone, and the host's stop
    // cancels what is left.
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    // A buffer that grew past this for one long line is let go after it, not kept for the life of the process.
    private const int RetainedBytes = 1 << 20;

    private readonly byte[] _chunk = new byte[16 * 1024];
    private readonly TaskCompletionSource<ITransport> _transport = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ArrayBufferWriter<byte> _line = new(); // the line being read, until its end comes
    private ArrayBufferWriter<byte> _passed = new(); // checked lines the transport has not read yet
    private int _handedOut; // how much of _passed the transport has read
    private long _lines; // lines passed on
    private bool _firstLine = true;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sets the transport that reads this input, which writes the answers to the lines refused here.</summary>
    public void AnswerThrough(ITransport transport) => _transport.TrySetResult(transport);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_handedOut == _passed.WrittenCount)
        {
            Reset(ref _passed);
            _handedOut = 0;

            // The console stream ignores the token, so the wait is what lets a stop end a read that has no input.
            int read = await stdin.ReadAsync(_chunk, cancellationToken).AsTask().WaitAsync(cancellationToken);
            if (read > 0)
            {
                await TakeAsync(read, cancellationToken);
            }
            else if (_line.WrittenCount > 0)
            {
                await TakeLineAsync(cancellationToken); // the last line, which has no end
            }
            else
            {
                await messages.WaitUntilHandledAsync(_lines, UncountedLinesGrace, LongestWait, PollInterval, cancellationToken);
                return 0;
            }
        }

        int count = Math.Min(buffer.Length, _passed.WrittenCount - _handedOut);
        _passed.WrittenSpan.Slice(_handedOut, count).CopyTo(buffer.Span);
        _handedOut += count;
        return count;
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

    private static void Reset(ref ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > RetainedBytes)
        {
            buffer = new ArrayBufferWriter<byte>();
        }
        else
        {
            buffer.ResetWrittenCount();
        }
    }

    /// <summary>The error to answer <paramref name="line"/> with, or null when it is a message to pass on.</summary>
    private static JsonRpcError? Refusal(ReadOnlySpan<byte> line)
    {
        var check = JsonRpcMessageCheck.Check(line);

        // A stdio session starts with initialize: its revision has initialize and logging/setLevel.
        var (code, problem) = check.IsValid
            ? (McpErrorCode.InvalidParams, JsonRpcMessageCheck.ParamsProblem(check.Method, line, sessionless: false))
            : (check.Code!.Value, check.Error);
        if (problem is null)
        {
            return null;
        }

        var id = line[check.Id];
        return new JsonRpcError
        {
            // An id that could not be read is null (JSON-RPC 2.0 §5).
            Id = id.IsEmpty ? default : JsonSerializer.Deserialize(id, McpJsonUtilities.DefaultOptions.GetTypeInfo<RequestId>()),
            Error = new JsonRpcErrorDetail { Code = (int)code, Message = JsonRpcMessageCheck.ErrorMessage(code, problem) },
        };
    }

    // Lines of blanks only are skipped, as the transport skips them.
    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;

    private async Task TakeAsync(int read, CancellationToken cancellationToken)
    {
        int start = 0;
        while (Array.IndexOf(_chunk, (byte)'\n', start, read - start) is var end and >= 0)
        {
            _line.Write(_chunk.AsSpan(start, end - start));
            await TakeLineAsync(cancellationToken);
            start = end + 1;
        }

        _line.Write(_chunk.AsSpan(start, read - start));
    }

    private async Task TakeLineAsync(CancellationToken cancellationToken)
    {
        var line = _line.WrittenMemory;
        if (_firstLine)
        {
            // The transport's reader skips a byte order mark at the start of its input; the check would not.
            _firstLine = false;
            line = line.Span.StartsWith("\uFEFF"u8) ? line[3..] : line;
        }

        if (!IsBlank(line.Span))
        {
            if (Refusal(line.Span) is { } refusal)
            {
                await AnswerAsync(refusal, cancellationToken);
            }
            else
            {
                _passed.Write(line.Span);
                _passed.Write("\n"u8);
                _lines++;
            }
        }

        Reset(ref _line);
    }

    private async Task AnswerAsync(JsonRpcError refusal, CancellationToken cancellationToken)
    {
        var transport = await _transport.Task.WaitAsync(cancellationToken);
        try
        {
            await transport.SendMessageAsync(refusal, cancellationToken);
        }
        catch (IOException)
        {
            // Standard output is closed: the client stopped reading, and the transport has logged the failed send.
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
