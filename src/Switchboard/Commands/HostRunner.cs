using Microsoft.Extensions.Options;
using Switchboard.Storage;

namespace Switchboard.Host.Commands;

/// <summary>Runs a host and turns a start-up failure into an operator-readable message and exit code 1.</summary>
internal static class HostRunner
{
    public static async Task<int> RunAsync(Func<IHost> build, CancellationToken cancellationToken)
    {
        try
        {
            using var host = build();
            await host.RunAsync(cancellationToken);
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
