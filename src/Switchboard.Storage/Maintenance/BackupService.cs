using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Database;
using Switchboard.Storage.Migrations;

namespace Switchboard.Storage.Maintenance;

/// <summary>
/// Native backups: SQLite's online backup API (a consistent copy while the gateway runs) and PostgreSQL's
/// <c>pg_dump -Fc</c> / <c>pg_restore</c>. Every input is checked before anything is overwritten.
/// </summary>
public sealed class BackupService(StorageDatabase database, MigrationRunner runner, IOptions<StorageOptions> options)
{
    /// <summary>Writes a backup of the whole database to <paramref name="path"/>, which must not exist yet.</summary>
    public async Task<StorageCommandResult> BackupAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return StorageCommandResult.Fail($"{full} already exists; choose a new file name (backups never overwrite).");
        }

        try
        {
            var status = await runner.GetStatusAsync(cancellationToken);
            if (status.CurrentVersion == 0)
            {
                return StorageCommandResult.Fail($"The {database.Description} holds no Switchboard schema yet; there is nothing to back up. Run `switchboard migrate` first.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (database is PostgreSqlStorageDatabase pg)
            {
                var (code, _, error) = await RunToolAsync("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", $"--file={full}"], pg, cancellationToken);
                if (code != 0)
                {
                    File.Delete(full);
                    return StorageCommandResult.Fail($"pg_dump failed (exit code {code}): {error.Trim()}");
                }
            }
            else
            {
                await using var source = (SqliteConnection)await database.OpenConnectionAsync(cancellationToken);
                await using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
                await target.OpenAsync(cancellationToken);
                source.BackupDatabase(target);
            }

            return StorageCommandResult.Ok(
                $"Backed up the {database.Description} (schema version {status.CurrentVersion}) to {full} ({new FileInfo(full).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes).");
        }
        catch (StorageException ex)
        {
            return StorageCommandResult.Fail(ex.Message);
        }
    }

    /// <summary>
    /// Replaces the database's contents with the backup at <paramref name="path"/>. The backup is checked first (a
    /// Switchboard database, not newer than this build, not older than the database it replaces); PostgreSQL restores
    /// in one transaction, so a failure leaves the database as it was.
    /// </summary>
    public async Task<StorageCommandResult> RestoreAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return StorageCommandResult.Fail($"{full} does not exist; give the path of a file written by `switchboard backup`.");
        }

        try
        {
            var current = await runner.GetStatusAsync(cancellationToken);
            var restored = database is PostgreSqlStorageDatabase pg
                ? await RestorePostgreSqlAsync(pg, full, current.CurrentVersion, cancellationToken)
                : await RestoreSqliteAsync(full, current.CurrentVersion, cancellationToken);
            var next = restored < current.LatestVersion ? $" Run `switchboard migrate` to bring it to version {current.LatestVersion}." : string.Empty;
            return StorageCommandResult.Ok($"Restored {full} (schema version {restored}) into the {database.Description}.{next}");
        }
        catch (StorageException ex)
        {
            return StorageCommandResult.Fail(ex.Message);
        }
    }

    private async Task<int> RestoreSqliteAsync(string path, int currentVersion, CancellationToken cancellationToken)
    {
        // Check the backup with the same rules as a live database: SQLite, Switchboard's, not newer than this build.
        var backupConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        await using var backup = new SqliteStorageDatabase(backupConnectionString);
        var status = await new MigrationRunner(backup).GetStatusAsync(cancellationToken);
        CheckRestorable(path, status.CurrentVersion, currentVersion);

        await using var source = (SqliteConnection)await backup.OpenConnectionAsync(cancellationToken);
        await using var target = (SqliteConnection)await database.OpenConnectionAsync(cancellationToken);
        source.BackupDatabase(target);
        SqliteStorageDatabase.ClearPools();
        return status.CurrentVersion;
    }

    private async Task<int> RestorePostgreSqlAsync(PostgreSqlStorageDatabase pg, string path, int currentVersion, CancellationToken cancellationToken)
    {
        // The schema_history rows inside the dump say whether it is Switchboard's and at which version.
        var (code, output, error) = await RunToolAsync("pg_restore", ["--data-only", "--table=schema_history", "--file=-", path], pg, cancellationToken);
        if (code != 0)
        {
            throw new StorageException($"{path} is not a PostgreSQL custom-format backup (pg_restore: {error.Trim()}). Nothing was changed.");
        }

        var version = ParseSchemaVersion(output)
            ?? throw new StorageException($"{path} is a PostgreSQL backup but holds no Switchboard schema_history; it is not a Switchboard backup. Nothing was changed.");
        CheckRestorable(path, version, currentVersion);

        (code, _, error) = await RunToolAsync(
            "pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", $"--dbname={pg.Builder.Database}", path], pg, cancellationToken);
        if (code != 0)
        {
            throw new StorageException($"pg_restore failed and was rolled back (exit code {code}): {error.Trim()}");
        }

        pg.ClearPool();
        return version;
    }

    private void CheckRestorable(string path, int backupVersion, int currentVersion)
    {
        if (backupVersion == 0)
        {
            throw new StorageException($"{path} holds no Switchboard schema; it is not a Switchboard backup. Nothing was changed.");
        }

        if (backupVersion > MigrationCatalog.LatestVersion)
        {
            throw new StorageException(
                $"{path} is at schema version {backupVersion}, newer than this build ({MigrationCatalog.LatestVersion}); restore it with the release that wrote it. Nothing was changed.");
        }

        if (backupVersion < currentVersion)
        {
            throw new StorageException(
                $"{path} is at schema version {backupVersion}, older than the {database.Description} ({currentVersion}); restore into an empty database, then run `switchboard migrate`. Nothing was changed.");
        }
    }

    private static int? ParseSchemaVersion(string dump)
    {
        int? version = null;
        var inCopy = false;
        foreach (var line in dump.Split('\n'))
        {
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.Contains("schema_history", StringComparison.Ordinal))
            {
                inCopy = true;
            }
            else if (inCopy && line.StartsWith("\\.", StringComparison.Ordinal))
            {
                inCopy = false;
            }
            else if (inCopy && int.TryParse(line.Split('\t')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                version = Math.Max(version ?? 0, v);
            }
        }

        return version;
    }

    private async Task<(int ExitCode, string Output, string Error)> RunToolAsync(string tool, IEnumerable<string> arguments, PostgreSqlStorageDatabase pg, CancellationToken cancellationToken)
    {
        var directory = options.Value.PostgreSqlToolsPath;
        var start = new ProcessStartInfo(string.IsNullOrWhiteSpace(directory) ? tool : Path.Combine(directory, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Credentials travel in the environment, never on the command line where `ps` would show them.
        var b = pg.Builder;
        start.Environment["PGHOST"] = b.Host;
        start.Environment["PGPORT"] = b.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGDATABASE"] = b.Database;
        start.Environment["PGUSER"] = b.Username;
        start.Environment["PGPASSWORD"] = b.Password;
        start.Environment["PGSSLMODE"] = b.SslMode.ToString().ToLowerInvariant() switch
        {
            "verifyca" => "verify-ca",
            "verifyfull" => "verify-full",
            var mode => mode,
        };
        start.Environment["PGCONNECT_TIMEOUT"] = b.Timeout.ToString(CultureInfo.InvariantCulture);

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await output, await error);
        }
        catch (Win32Exception ex)
        {
            throw new StorageException(
                $"Cannot run {tool} ({ex.Message}). Install the PostgreSQL client tools matching the server's major version (Debian: postgresql-client), or set Storage:PostgreSqlToolsPath to their folder. The switchboard container image has none: run backup and restore from its -pgtools image (docs/deploy.md).", ex);
        }
    }
}
