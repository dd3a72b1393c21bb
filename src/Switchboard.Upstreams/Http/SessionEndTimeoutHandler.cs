namespace Switchboard.Upstreams.Http;

/// <summary>
/// Bounds the <c>DELETE</c> that ends an upstream session by <see cref="UpstreamOptions.Timeout"/>. The SDK sends it
/// while its client is disposed, with no token that can cancel it, and the client has no timeout of its own (server
/// event streams outlive any fixed limit): an upstream that accepts the connection and never answers would otherwise
/// hold every dispose of that client, and the host's shutdown behind them, for ever.
/// </summary>
internal sealed class SessionEndTimeoutHandler(TimeSpan timeout, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Delete)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        return await base.SendAsync(request, bounded.Token);
    }
}
