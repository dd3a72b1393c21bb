using System.CommandLine;
using Microsoft.Extensions.Options;
using Switchboard.Storage;

namespace Switchboard.Host.Commands;

/// <summary>Runs a host and turns a start-up failure into an operator-readable message and exit code 1.</summary>
internal static class HostRunner
{
    public static async Task<int> RunAsync(ParseResult parseResult, Func<IHost> build, CancellationToken cancellationToken)
    {
        // The host handles SIGTERM and SIGINT itself and drains within Shutdown:NotReadyDelay + DrainTimeout;
        // System.CommandLine would otherwise end the process 2 s after the signal with exit code 143. Read before the
        // action's first await, as System.CommandLine.Hosting does.
        parseResult.InvocationConfiguration.ProcessTerminationTimeout = null;
        try
        {
            using var host = build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch
            {
                // Stopping what did start tells the host that the stop was asked for, so that each background service's
                // cancellation ends quietly instead of being logged as a crash under the start failure's message.
                await host.StopAsync(CancellationToken.None);
                throw;
            }

            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"switchboard: invalid configuration:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", e.Failures)}");
            return 1;
        }
        catch (InvalidOperationException e) when (ConfigurationErrors.Explain(e) is { } explained)
        {
            await Console.Error.WriteLineAsync($"switchboard: invalid configuration:{Environment.NewLine}  {explained}");
            return 1;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or StorageException)
        {
            await Console.Error.WriteLineAsync($"switchboard: cannot start: {e.Message}");
            return 1;
        }
    }
}
