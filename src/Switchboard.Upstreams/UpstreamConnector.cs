using Microsoft.Extensions.Hosting;

namespace Switchboard.Upstreams;

/// <summary>
/// Connects every remote server in the background, and again whenever its connection is gone, so the gateway starts
/// and stays ready whatever its upstreams do, and an upstream's tools appear once it answers.
/// </summary>
internal sealed class UpstreamConnector(UpstreamServers servers, TimeProvider timeProvider) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(servers.All.Select(server => KeepConnectedAsync(server, stoppingToken)));

    private async Task KeepConnectedAsync(UpstreamServer server, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(server.ReconnectInterval, timeProvider);
        try
        {
            do
            {
                if (!server.IsConnected)
                {
                    await server.TryConnectAsync(stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
