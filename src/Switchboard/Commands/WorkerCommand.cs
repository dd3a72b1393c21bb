using System.CommandLine;
using Switchboard.Gateway.Hosting;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard worker</c>: runs queued jobs (MCP tasks), with the same configuration as <c>serve</c>.</summary>
internal static class WorkerCommand
{
    /// <summary>Where the worker serves its health probes when neither <c>--urls</c> nor configuration says.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8081";

    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to serve /healthz/live and /healthz/ready (default {DefaultUrl}).",
        };
        var command = new Command(
            "worker",
            "Run queued jobs (tool calls made as MCP tasks) from the database that serve uses; serves only the health probes. " +
            "Other --Section:Key=value flags override configuration (Queue:Concurrency, Queue:LeaseDuration …).")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) =>
            HostRunner.RunAsync(result, () => SwitchboardHost.BuildGateway([.. result.UnmatchedTokens], new GatewayTopology(WorkerOnly: true), result.GetValue(urls) ?? DefaultUrlUnlessConfigured(result.UnmatchedTokens)), cancellationToken));
        return command;
    }

    // A worker beside a gateway on one host must not take the gateway's default port.
    private static string? DefaultUrlUnlessConfigured(IReadOnlyList<string> tokens) =>
        tokens.Any(t => t.StartsWith("--urls", StringComparison.OrdinalIgnoreCase) || t.StartsWith("--Kestrel:", StringComparison.OrdinalIgnoreCase))
            || Environment.GetEnvironmentVariable("SWITCHBOARD__urls") is not null || Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is not null
            ? null
            : DefaultUrl;
}
