using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Stdio;

/// <summary>One child process speaking MCP over stdin and stdout; <see cref="StdioProcessPool"/> decides how many.</summary>
internal static class StdioUpstreamTransport
{
    public static IClientTransport Create(string name, UpstreamOptions options, Action<string> standardErrorLine)
    {
        // Not the gateway's whole environment: it holds the gateway's own secrets (database, keys). The child gets
        // the SDK's short allowlist (PATH, HOME, USER, …) and what its configuration names.
        var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach (var (variable, value) in options.Env)
        {
            environment[variable] = value;
        }

        var (command, args) = (options.Command!, options.Args);
        if (options.Stdio.ParentDeathGuard && StdioGuard.IsAvailable)
        {
            (command, args) = StdioGuard.Wrap(command, args);
            // The guard is a .NET executable: it must find the runtime where the gateway found it.
            if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } dotnetRoot && !environment.ContainsKey("DOTNET_ROOT"))
            {
                environment["DOTNET_ROOT"] = dotnetRoot;
            }
        }

        return new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = name,
                Command = command,
                Arguments = args,
                InheritEnvironmentVariables = false,
                EnvironmentVariables = environment,
                WorkingDirectory = options.WorkingDirectory,
                ShutdownTimeout = options.Stdio.ShutdownTimeout,
                StandardErrorLines = standardErrorLine,
            },
            // The SDK transport logs every stderr line at Information; the pool logs them itself (Debug) and an
            // unexpected exit with the last lines (Warning), so the SDK's transport log is left out.
            NullLoggerFactory.Instance);
    }
}
