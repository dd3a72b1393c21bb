using Microsoft.Extensions.Options;
using Switchboard.Storage;
using Switchboard.Storage.Maintenance;

namespace Switchboard.Host.Commands;

/// <summary>Runs an operator command against the database with the configuration <c>serve</c> would use.</summary>
internal static class OperatorCommand
{
    /// <summary>
    /// Builds the operator services from <paramref name="args"/> (configuration flags), migrates first when
    /// <paramref name="migrateFirst"/> and <c>Storage:MigrateOnStart</c> say so (as <c>serve</c> would), and runs
    /// <paramref name="run"/>; a configuration or input error becomes a message and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Func<IServiceProvider, Task<int>> run, bool migrateFirst = true)
    {
        try
        {
            await using var services = SwitchboardHost.BuildOperatorServices(args);
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value; // validates, with the operator's message
            if (migrateFirst && storage.MigrateOnStart)
            {
                var migrated = await services.GetRequiredService<StorageCommands>().MigrateAsync();
                if (!migrated.Succeeded)
                {
                    await Console.Error.WriteLineAsync(migrated.Message);
                    return migrated.ExitCode;
                }
            }

            return await run(services);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"switchboard: invalid configuration:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", e.Failures)}");
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"switchboard: {e.Message}");
            return 1;
        }
    }
}
