using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Stdio;

/// <summary>A child process speaking MCP over stdin and stdout; one process per connection (no pool yet).</summary>
internal static class StdioUpstreamTransport
{
    public static IClientTransport Create(string name, UpstreamOptions options, ILoggerFactory loggerFactory)
    {
        // Not the gateway's whole environment: it holds the gateway's own secrets (database, keys). The child gets
        // the SDK's short allowlist (PATH, HOME, USER, …) and what its configuration names.
        var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach (var (variable, value) in options.Env)
        {
            environment[variable] = value;
        }

        return new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = name,
                Command = options.Command!,
                Arguments = options.Args,
                InheritEnvironmentVariables = false,
                EnvironmentVariables = environment,
                WorkingDirectory = options.WorkingDirectory,
            },
            loggerFactory);
    }
}
