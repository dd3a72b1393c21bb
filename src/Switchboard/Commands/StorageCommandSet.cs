using System.CommandLine;
using Switchboard.Storage.Maintenance;

namespace Switchboard.Host.Commands;

/// <summary>
/// The database commands: <c>migrate</c>, <c>backup</c>, <c>restore</c>, <c>export</c>, <c>import</c>. Each prints what
/// it did and exits 0, or says what went wrong and exits 1. They take the same configuration as <c>serve</c>.
/// </summary>
internal static class StorageCommandSet
{
    public static IEnumerable<Command> Create()
    {
        var status = new Option<bool>("--status") { Description = "Only report the schema version and pending migrations; change nothing." };
        var migrate = new Command("migrate", "Apply pending database migrations, print what was applied, then exit.") { status };
        // migrate makes the database; migrate --status only reports, and so refuses a database that is not there.
        Configure(migrate, (commands, result, ct) => result.GetValue(status) ? commands.StatusAsync(ct) : commands.MigrateAsync(ct), result => !result.GetValue(status));

        yield return migrate;
        yield return FileCommand("backup", "Write a native backup of the database (SQLite online backup, or pg_dump custom format) to FILE.", (c, path, ct) => c.BackupAsync(path, ct));
        // Restoring onto a new machine, where there is no database yet, is what backups are for.
        yield return FileCommand("restore", "Restore the database from a native backup FILE made by 'backup'.", (c, path, ct) => c.RestoreAsync(path, ct), mayCreateDatabase: true);
        yield return FileCommand("export", "Write every table to a portable FILE any provider can import (to move from SQLite to PostgreSQL).", (c, path, ct) => c.ExportAsync(path, ct));
        yield return FileCommand("import", "Load a portable FILE made by 'export' into an empty, migrated database.", (c, path, ct) => c.ImportAsync(path, ct));
    }

    private static Command FileCommand(string name, string description, Func<StorageCommands, string, CancellationToken, Task<StorageCommandResult>> run, bool mayCreateDatabase = false)
    {
        var file = new Argument<string>("file") { Description = "The file to write or read." };
        var command = new Command(name, description) { file };
        Configure(command, (commands, result, ct) => run(commands, Path.GetFullPath(result.GetRequiredValue(file)), ct), _ => mayCreateDatabase);
        return command;
    }

    private static void Configure(Command command, Func<StorageCommands, ParseResult, CancellationToken, Task<StorageCommandResult>> run, Func<ParseResult, bool> mayCreateDatabase)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => OperatorCommand.RunAsync([.. result.UnmatchedTokens], async services =>
        {
            var outcome = await run(services.GetRequiredService<StorageCommands>(), result, cancellationToken);
            await (outcome.Succeeded ? Console.Out : Console.Error).WriteLineAsync(outcome.Message);
            return outcome.ExitCode;
        }, migrateFirst: false, mayCreateDatabase: mayCreateDatabase(result)));
    }
}
