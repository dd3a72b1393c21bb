using Microsoft.Extensions.Options;
using Switchboard.Storage;
using Switchboard.Storage.Database;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Migrations;

namespace Switchboard.Host.Commands;

/// <summary>Runs an operator command against the database with the configuration <c>serve</c> would use.</summary>
internal static class OperatorCommand
{
    /// <summary>
    /// Builds the operator services from <paramref name="args"/> (configuration flags), says on stderr which database
    /// it uses, refuses to go on when that database does not exist yet unless <paramref name="mayCreateDatabase"/>
    /// (only <c>migrate</c> and <c>restore</c> make one: a command pointed at the wrong place must not quietly start
    /// an empty database beside the gateway's), migrates first when <paramref name="migrateFirst"/> and
    /// <c>Storage:MigrateOnStart</c> say so (as <c>serve</c> would), and runs <paramref name="run"/>; a configuration,
    /// input or database error becomes a message and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Func<IServiceProvider, Task<int>> run, bool migrateFirst = true, bool mayCreateDatabase = false)
    {
        try
        {
            await using var services = SwitchboardHost.BuildOperatorServices(args);
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value; // validates, with the operator's message
            var database = services.GetRequiredService<StorageDatabase>();
            await Console.Error.WriteLineAsync($"switchboard: using the {database.Description} ({Origin(storage)})");
            if (!mayCreateDatabase && await FindMissingAsync(database, services.GetRequiredService<MigrationRunner>()) is { } missing)
            {
                await Console.Error.WriteLineAsync(
                    $"switchboard: {missing}, and this command does not create one.{Environment.NewLine}" +
                    $"  Start the gateway once ('switchboard serve') or run 'switchboard migrate' to create it there, or point this command at the gateway's database with --Storage:DataDirectory=DIR (environment SWITCHBOARD__Storage__DataDirectory), or with Storage:ConnectionString.");
                return 1;
            }

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
        catch (InvalidOperationException e) when (ConfigurationErrors.Explain(e) is { } explained)
        {
            await Console.Error.WriteLineAsync($"switchboard: invalid configuration:{Environment.NewLine}  {explained}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or StorageException)
        {
            await Console.Error.WriteLineAsync($"switchboard: {e.Message}");
            return 1;
        }
    }

    // Where the location came from, so that an operator who sees the wrong file knows which setting to change.
    private static string Origin(StorageOptions storage) => storage switch
    {
        { UsesDataDirectory: false } => "Storage:ConnectionString",
        { DataDirectory: null or "" } => "the default data folder; Storage:DataDirectory changes it",
        _ => "Storage:DataDirectory",
    };

    // A SQLite file that is not there is checked without opening it: opening would create it.
    private static async Task<string?> FindMissingAsync(StorageDatabase database, MigrationRunner migrations)
    {
        if (database is SqliteStorageDatabase { InMemory: false } sqlite && !File.Exists(sqlite.FilePath))
        {
            return $"there is no database at {sqlite.FilePath}";
        }

        var status = await migrations.GetStatusAsync();
        return status.CurrentVersion == 0 ? $"the {database.Description} holds no Switchboard database yet" : null;
    }
}
