using System.CommandLine;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard serve</c>: the gateway.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen, e.g. http://127.0.0.1:8080 (default {SwitchboardHost.DefaultUrl}; several separated by ';').",
        };
        var command = new Command(
            "serve",
            "Run the gateway: /mcp (every server), /servers/{name}/mcp (one server), /healthz/live, /healthz/ready. " +
            "Other --Section:Key=value flags override configuration.")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) =>
            HostRunner.RunAsync(result, () => SwitchboardHost.BuildGateway([.. result.UnmatchedTokens], urls: result.GetValue(urls)), cancellationToken));
        return command;
    }
}
