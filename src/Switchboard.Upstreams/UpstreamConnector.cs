using Microsoft.Extensions.Hosting;

namespace Switchboard.Upstreams;

/// <summary>
/// Connects every remote server in the background, and again whenever its connection is gone, so the gateway starts
/// and stays ready whatever its upstreams do, and an upstream's tools appear once it answers. Servers registered
/// later are connected as they are added.
/// </summary>
internal sealed class UpstreamConnector(UpstreamServers servers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        servers.StartConnecting(stoppingToken);
        return Task.CompletedTask;
    }
}
