using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Switchboard.Upstreams;

/// <summary>Every remote server configured in this process, by name.</summary>
public sealed class UpstreamServers : IAsyncDisposable
{
    private readonly Dictionary<string, UpstreamServer> _servers;

    /// <summary>Creates one <see cref="UpstreamServer"/> per configured remote server; nothing is connected yet.</summary>
    public UpstreamServers(IOptions<UpstreamsOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _servers = options.Value.Servers.ToDictionary(
            s => s.Key,
            s => new UpstreamServer(s.Key, s.Value, loggerFactory, timeProvider),
            StringComparer.Ordinal);
    }

    /// <summary>The remote servers, in configuration order.</summary>
    public IEnumerable<UpstreamServer> All => _servers.Values;

    /// <summary>The remote server named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No remote server has that name.</exception>
    public UpstreamServer this[string name] => _servers[name];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }
    }
}
