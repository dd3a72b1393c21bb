using System.Runtime.CompilerServices;

namespace Switchboard.Upstreams.Http;

/// <summary>
/// Caps the body of each answer to a POST (one JSON-RPC message, or the stream of events about one request) at
/// <see cref="UpstreamOptions.MaxResponseBytes"/>, so an upstream cannot fill the gateway's memory with one result.
/// The GET stream of server events is not capped: it lives as long as the connection.
/// </summary>
internal sealed class ResponseSizeLimitHandler(long maxBytes, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    // The SDK's transport reports a POST stream that failed while read as "completed without a reply", dropping the
    // cause; this tells the caller what happened.
    private static readonly AsyncLocal<StrongBox<bool>?> Watching = new();

    /// <summary>Watches the requests sent from here on in this async flow; the box turns true when one's answer was over the limit.</summary>
    public static StrongBox<bool> Watch() => Watching.Value = new StrongBox<bool>();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method != HttpMethod.Post)
        {
            return response;
        }

        var exceeded = Watching.Value;
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            response.Dispose();
            exceeded?.Value = true;
            throw new UpstreamResponseTooLargeException();
        }

        var limited = new StreamContent(new LimitedStream(await response.Content.ReadAsStreamAsync(cancellationToken), maxBytes, exceeded));
        foreach (var (name, values) in response.Content.Headers)
        {
            limited.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = limited;
        return response;
    }

    /// <summary>Reads through to <c>inner</c>, and throws once more than <c>maxBytes</c> were read.</summary>
    private sealed class LimitedStream(Stream inner, long maxBytes, StrongBox<bool>? exceeded) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                exceeded?.Value = true;
                throw new UpstreamResponseTooLargeException();
            }

            return read;
        }
    }
}

/// <summary>An upstream's answer was larger than <see cref="UpstreamOptions.MaxResponseBytes"/>; it was dropped unread.</summary>
internal sealed class UpstreamResponseTooLargeException() : IOException("The upstream's answer is larger than its MaxResponseBytes.");
