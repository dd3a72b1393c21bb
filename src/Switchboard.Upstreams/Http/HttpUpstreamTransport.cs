using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Http;

/// <summary>Streamable HTTP to an upstream, over one connection pool that lives as long as the upstream.</summary>
internal static class HttpUpstreamTransport
{
    public static HttpClient CreateHttpClient(string name, UpstreamOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        HttpMessageHandler handler = new RequestHeaderCheckHandler(new SessionEndTimeoutHandler(options.Timeout, new Sessions.EventStreamErrorHandler(new ResponseSizeLimitHandler(
            options.MaxResponseBytes,
            new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) }))));
        if (options.Discovery.IsActive)
        {
            // Beneath the credentials handler: a token is fetched once per request, whichever address takes it.
            var addresses = new Discovery.UpstreamAddresses(name, options.Url!.IdnHost, options.Discovery, timeProvider, loggerFactory.CreateLogger<Discovery.UpstreamAddresses>());
            handler = new Discovery.AddressBalancingHandler(addresses, handler);
        }

        if (options.OAuth is { } oauth)
        {
            handler = new ClientCredentialsHandler(oauth, timeProvider, handler);
        }

        return new HttpClient(handler)
        {
            // The resilience pipeline bounds each request; a stream of server events may outlive any fixed limit.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public static IClientTransport Create(string name, UpstreamOptions options, HttpClient httpClient, ILoggerFactory loggerFactory) =>
        new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Name = name,
                Endpoint = options.Url!,
                TransportMode = options.HttpTransport switch
                {
                    UpstreamHttpTransport.Sse => HttpTransportMode.Sse,
                    UpstreamHttpTransport.Auto => HttpTransportMode.AutoDetect,
                    _ => HttpTransportMode.StreamableHttp,
                },
                // The upstream's own credentials, from configuration; a caller's token never reaches here.
                AdditionalHeaders = options.Headers,
            },
            httpClient,
            loggerFactory,
            ownsHttpClient: false);
}
