using System.Net;
using Microsoft.Extensions.Logging;

namespace Switchboard.Upstreams.Discovery;

/// <summary>One address of an upstream host, and until when it is skipped after a failed connection.</summary>
internal sealed class UpstreamEndpoint(IPAddress address)
{
    private long _skippedUntilTicks;

    public IPAddress Address { get; } = address;

    public bool IsSkipped(DateTimeOffset now) => now.UtcTicks < Volatile.Read(ref _skippedUntilTicks);

    public void SkipUntil(DateTimeOffset until) => Volatile.Write(ref _skippedUntilTicks, until.UtcTicks);

    public void Answered() => Volatile.Write(ref _skippedUntilTicks, 0);

    public override string ToString() => Address.ToString();
}

/// <summary>
/// The addresses of one upstream host: the fixed <see cref="DiscoverySettings.Addresses"/>, or what DNS gives for
/// the host, resolved again once <see cref="DiscoverySettings.RefreshInterval"/> has passed. An address that stays
/// keeps its state (its back-off) across resolutions; one DNS stops returning drops out of new choices.
/// </summary>
internal sealed partial class UpstreamAddresses
{
    private readonly string _server;
    private readonly string _host;
    private readonly DiscoverySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _fixed;
    private readonly SemaphoreSlim _resolveLock = new(1, 1);
    private UpstreamEndpoint[] _endpoints = [];
    private DateTimeOffset _resolvedAt = DateTimeOffset.MinValue;
    private int _next = -1;

    public UpstreamAddresses(string server, string host, DiscoverySettings settings, TimeProvider time, ILogger logger)
    {
        (_server, _host, _settings, _time, _logger) = (server, host, settings, time, logger);
        if (settings.Addresses.Count > 0)
        {
            _fixed = true;
            _endpoints = [.. settings.Addresses.Select(IPAddress.Parse).Distinct().Select(a => new UpstreamEndpoint(a))];
        }
    }

    /// <summary>The addresses now, resolving the host first when the last resolution is older than the refresh interval.</summary>
    /// <exception cref="HttpRequestException">The host resolved to nothing, and never did before.</exception>
    public async ValueTask<UpstreamEndpoint[]> GetAsync(CancellationToken cancellationToken)
    {
        var endpoints = Volatile.Read(ref _endpoints);
        if (_fixed || (endpoints.Length > 0 && _time.GetUtcNow() - _resolvedAt < _settings.RefreshInterval))
        {
            return endpoints;
        }

        // While one request resolves again the others go on with the last answer; only the very first one waits.
        if (endpoints.Length > 0 && !await _resolveLock.WaitAsync(0, cancellationToken))
        {
            return endpoints;
        }

        if (endpoints.Length == 0)
        {
            await _resolveLock.WaitAsync(cancellationToken);
        }

        try
        {
            if (Volatile.Read(ref _endpoints) is { Length: > 0 } raced && _time.GetUtcNow() - _resolvedAt < _settings.RefreshInterval)
            {
                return raced;
            }

            return await ResolveAsync(cancellationToken);
        }
        finally
        {
            _resolveLock.Release();
        }
    }

    /// <summary>
    /// The next address in turn that is not skipped and not in <paramref name="tried"/>; a skipped one only when no
    /// other is left, since an address that failed a while ago may be back. Null when every address was tried.
    /// </summary>
    public UpstreamEndpoint? Next(UpstreamEndpoint[] endpoints, IReadOnlyCollection<UpstreamEndpoint>? tried)
    {
        var now = _time.GetUtcNow();
        UpstreamEndpoint? fallback = null;
        int start = Interlocked.Increment(ref _next) & int.MaxValue;
        for (int i = 0; i < endpoints.Length; i++)
        {
            var endpoint = endpoints[(start + i) % endpoints.Length];
            if (tried?.Contains(endpoint) == true)
            {
                continue;
            }

            if (!endpoint.IsSkipped(now))
            {
                return endpoint;
            }

            fallback ??= endpoint;
        }

        return fallback;
    }

    /// <summary>Skips <paramref name="endpoint"/> for the failure back-off.</summary>
    public void Failed(UpstreamEndpoint endpoint)
    {
        endpoint.SkipUntil(_time.GetUtcNow() + _settings.FailureBackoff);
        LogAddressSkipped(_logger, _server, endpoint.Address, _settings.FailureBackoff.TotalSeconds);
    }

    private async Task<UpstreamEndpoint[]> ResolveAsync(CancellationToken cancellationToken)
    {
        var previous = Volatile.Read(ref _endpoints);
        IPAddress[] resolved;
        try
        {
            resolved = await Dns.GetHostAddressesAsync(_host, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            resolved = [];
            LogResolveFailed(_logger, _server, _host, e.SocketErrorCode.ToString());
        }

        _resolvedAt = _time.GetUtcNow();
        if (resolved.Length == 0)
        {
            // A DNS hiccup must not take down an upstream whose pods still run: keep the last answer.
            return previous.Length > 0
                ? previous
                : throw new HttpRequestException(HttpRequestError.NameResolutionError, $"The host of server '{_server}' resolved to no address.");
        }

        var endpoints = resolved.Distinct()
            .Select(address => previous.FirstOrDefault(e => e.Address.Equals(address)) ?? new UpstreamEndpoint(address))
            .ToArray();
        if (endpoints.Length != previous.Length || endpoints.Any(e => !previous.Contains(e)))
        {
            LogAddressesChanged(_logger, _server, _host, endpoints.Length, string.Join(", ", endpoints.Select(e => e.Address)));
        }

        Volatile.Write(ref _endpoints, endpoints);
        return endpoints;
    }

    [LoggerMessage(EventId = 4090, Level = LogLevel.Information, Message = "Remote MCP server '{Server}': host {Host} resolves to {Count} addresses ({Addresses}); requests are spread over them.")]
    private static partial void LogAddressesChanged(ILogger logger, string server, string host, int count, string addresses);

    [LoggerMessage(EventId = 4091, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': address {Address} could not be connected; it is skipped for {Seconds} s while other addresses answer.")]
    private static partial void LogAddressSkipped(ILogger logger, string server, IPAddress address, double seconds);

    [LoggerMessage(EventId = 4092, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': host {Host} could not be resolved ({Error}); the last addresses stay in use.")]
    private static partial void LogResolveFailed(ILogger logger, string server, string host, string error);
}
