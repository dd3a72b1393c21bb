using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Stdio;

/// <summary>A child process speaking MCP over stdin and stdout; one process per connection (no pool yet).</summary>
internal static class StdioUpstreamTransport
{
    public static IClientTransport Create(string name, UpstreamOptions options, ILoggerFactory loggerFactory) =>
        new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = name,
                Command = options.Command!,
                Arguments = options.Args,
                EnvironmentVariables = options.Env.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal),
                WorkingDirectory = options.WorkingDirectory,
            },
            loggerFactory);
}
