using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Upstreams.Discovery;

/// <summary>
/// Sends each request of an HTTP upstream to one of its host's addresses (<see cref="UpstreamAddresses"/>): a
/// request outside an MCP session to the next address in turn, and every request of a session
/// (<c>Mcp-Session-Id</c>) to the address that created it, since the session exists on that replica only.
/// </summary>
/// <remarks>
/// <para>
/// Why a handler that rewrites the request's address rather than a <c>ConnectCallback</c>: the connection pool picks
/// any open connection to the URL's authority, so an address chosen at connect time cannot follow a session. Here the
/// URL names the address and the <c>Host</c> header keeps the original name, which <see cref="SocketsHttpHandler"/>
/// also uses as the TLS server name, so certificates are checked against the name and each address gets a connection
/// pool of its own.
/// </para>
/// <para>
/// Why not Microsoft.Extensions.ServiceDiscovery's <c>ResolvingHttpDelegatingHandler</c>: it lives behind
/// <c>IHttpClientFactory</c> with named services, while upstreams are added and removed at run time with clients of
/// their own; its selector chooses an endpoint before the request and never sees the answer, so it cannot learn which
/// replica a new session lives on, and it does not move on when an address refuses connections.
/// </para>
/// <para>
/// A connection that could not be made never carried the request, so the request goes to the next address; the
/// resilience pipeline above sees a failure (and its breaker counts one) only when no address answers. A session's
/// request whose address is gone fails: the session is lost with its replica, and the caller's next request opens a
/// new one elsewhere.
/// </para>
/// </remarks>
internal sealed class AddressBalancingHandler(UpstreamAddresses addresses, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const string SessionHeader = "Mcp-Session-Id";

    // Upstream session → the address it was created on. An entry ends with the session's DELETE, a 404 (the replica
    // forgot the session) or a failed connection; the gateway's upstream sessions are bounded, and so is this.
    private readonly ConcurrentDictionary<string, UpstreamEndpoint> _sessions = new(StringComparer.Ordinal);

    /// <summary>How many upstream sessions are bound to an address now.</summary>
    public int BoundSessions => _sessions.Count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var original = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        request.Headers.Host ??= original.Authority;
        try
        {
            string? session = SessionOf(request.Headers);
            if (session is not null && _sessions.TryGetValue(session, out var bound))
            {
                return await SendInSessionAsync(session, bound, request, original, cancellationToken);
            }

            var endpoints = await addresses.GetAsync(cancellationToken);
            List<UpstreamEndpoint>? tried = null;
            while (true)
            {
                var endpoint = addresses.Next(endpoints, tried) ?? throw new HttpRequestException(HttpRequestError.ConnectionError, "No address of the upstream could be connected.");
                try
                {
                    var response = await SendToAsync(endpoint, request, original, cancellationToken);
                    if (session is null && SessionOf(response.Headers) is { } created)
                    {
                        _sessions[created] = endpoint;
                    }

                    return response;
                }
                catch (Exception e) when (IsConnectFailure(e, cancellationToken))
                {
                    addresses.Failed(endpoint);
                    (tried ??= []).Add(endpoint);
                    if (tried.Count >= endpoints.Length)
                    {
                        throw;
                    }
                }
            }
        }
        finally
        {
            request.RequestUri = original;
        }
    }

    private async Task<HttpResponseMessage> SendInSessionAsync(string session, UpstreamEndpoint endpoint, HttpRequestMessage request, Uri original, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendToAsync(endpoint, request, original, cancellationToken);
        }
        catch (Exception e) when (IsConnectFailure(e, cancellationToken))
        {
            addresses.Failed(endpoint);
            _sessions.TryRemove(session, out _);
            throw;
        }

        if (request.Method == HttpMethod.Delete || response.StatusCode == HttpStatusCode.NotFound)
        {
            _sessions.TryRemove(session, out _);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendToAsync(UpstreamEndpoint endpoint, HttpRequestMessage request, Uri original, CancellationToken cancellationToken)
    {
        request.RequestUri = new UriBuilder(original)
        {
            Host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString(),
        }.Uri;
        var response = await base.SendAsync(request, cancellationToken);
        endpoint.Answered();
        return response;
    }

    private static string? SessionOf(System.Net.Http.Headers.HttpHeaders headers) =>
        headers.TryGetValues(SessionHeader, out var values) ? values.FirstOrDefault() : null;

    // Refused, unreachable or timed out while connecting: the request was never written, so another address may take it.
    private static bool IsConnectFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
        || (exception is OperationCanceledException { InnerException: TimeoutException } && !cancellationToken.IsCancellationRequested);
}
