namespace Switchboard.Upstreams.Http;

/// <summary>
/// Refuses, before anything is sent, a request to an upstream with a header value HTTP cannot carry (outside visible
/// ASCII, space and tab), as <see cref="UpstreamRequestNotSentException"/>: a request the gateway could not build
/// says nothing about the upstream, so it must not count against its circuit breaker.
/// </summary>
/// <remarks>
/// The socket handler refuses such a value too, but as an <see cref="HttpRequestException"/> that reads like a broken
/// connection: a caller who could name one tool with such a value could then open the circuit for everyone.
/// </remarks>
internal sealed class RequestHeaderCheckHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            foreach (string value in values)
            {
                if (!IsSendable(value))
                {
                    throw new UpstreamRequestNotSentException(name);
                }
            }
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static bool IsSendable(string value)
    {
        foreach (char c in value)
        {
            if (c is not ((>= ' ' and <= '~') or '\t'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A request to an upstream was not sent: the gateway could not build it (a header value HTTP cannot carry).</summary>
internal sealed class UpstreamRequestNotSentException(string header)
    : InvalidOperationException($"The request was not sent: its header '{header}' holds characters HTTP cannot carry.");
