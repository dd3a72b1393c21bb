using System.Diagnostics;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>The published <c>switchboard mcp everything</c> over HTTP, as a remote upstream the gateway fronts.</summary>
internal static class EverythingUpstream
{
    /// <summary>Starts it at <paramref name="url"/>, guarded by <paramref name="key"/>, and waits until it is ready.</summary>
    public static async Task<Process> StartAsync(string url, string key, string directory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = ProcessRunner.Start(GatewayProcess.Executable, ["mcp", "everything", "--urls", url, $"--Identity:BootstrapAdminKey={key}", $"--Storage:DataDirectory={directory}"], directory, environment);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri($"{url}/healthz/ready"), TestContext.Current.CancellationToken)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            timeout,
            $"the upstream at {url} was not ready");
        return process;
    }
}
