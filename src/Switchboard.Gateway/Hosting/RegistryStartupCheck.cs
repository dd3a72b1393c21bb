using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// Builds the registry before the server accepts traffic and refuses to start on a naming problem: a bad first load
/// stops the app with a message that says what to fix, rather than serving a silently different tool list.
/// </summary>
internal sealed partial class RegistryStartupCheck(McpServerRegistry registry, ILogger<RegistryStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (registry.Problems is { Count: > 0 } problems)
        {
            throw new InvalidOperationException(
                $"The MCP server registry has {problems.Count} naming problem(s):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
        }

        foreach (var name in registry.ServerNames)
        {
            registry.TryGetServerView(name, out var view);
            LogServer(logger, name, view!.Tools.Count, view.Resources.Count, view.Prompts.Count);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Serving MCP server '{Server}': {Tools} tools, {Resources} resources, {Prompts} prompts.")]
    private static partial void LogServer(ILogger logger, string server, int tools, int resources, int prompts);
}
