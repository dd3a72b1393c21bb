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
        var roots = new Option<string[]>("--root") { Description = "filesystem: a directory the server may use; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var readOnly = new Option<bool>("--read-only") { Description = "filesystem: offer no tool that writes." };

        var command = new Command("mcp", "Run one built-in MCP server alone, under its own tool names, at /mcp or over stdio.")
        {
            server,
            stdio,
            urls,
            roots,
            readOnly,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) =>
        {
            string name = result.GetRequiredValue(server);
            // The filesystem flags are shorthands for its configuration keys, so files and flags agree on one model.
            string[] args =
            [
                .. result.UnmatchedTokens,
                .. (result.GetValue(roots) ?? []).Select((root, i) => $"--Servers:filesystem:Roots:{i}={Path.GetFullPath(root)}"),
                .. result.GetValue(readOnly) ? ["--Servers:filesystem:ReadOnly=true"] : Array.Empty<string>(),
            ];
            return result.GetValue(stdio)
                ? HostRunner.RunAsync(result, () => SwitchboardHost.BuildStdioServer(args, name), cancellationToken)
                : HostRunner.RunAsync(result, () => SwitchboardHost.BuildGateway(args, new GatewayTopology(name), result.GetValue(urls)), cancellationToken);
        });
        return command;
    }
}
