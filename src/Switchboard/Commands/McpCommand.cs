using System.CommandLine;
using Switchboard.Gateway.Hosting;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard mcp NAME [--stdio]</c>: one built-in server alone.</summary>
internal static class McpCommand
{
    public static Command Create()
    {
        var server = new Argument<string>("server") { Description = $"The built-in server to run: {string.Join(", ", BuiltInServers.Names)}." };
        server.AcceptOnlyFromAmong([.. BuiltInServers.Names]);
        var stdio = new Option<bool>("--stdio") { Description = "Speak MCP over standard input and output (for desktop clients) instead of HTTP." };
        var urls = new Option<string?>("--urls") { Description = $"Where to listen over HTTP (default {SwitchboardHost.DefaultUrl})." };

        var command = new Command("mcp", "Run one built-in MCP server alone, under its own tool names, at /mcp or over stdio.")
        {
            server,
            stdio,
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) =>
        {
            string name = result.GetRequiredValue(server);
            string[] args = [.. result.UnmatchedTokens];
            return result.GetValue(stdio)
                ? HostRunner.RunAsync(() => SwitchboardHost.BuildStdioServer(args, name), cancellationToken)
                : HostRunner.RunAsync(() => SwitchboardHost.BuildGateway(args, new GatewayTopology(name), result.GetValue(urls)), cancellationToken);
        });
        return command;
    }
}
