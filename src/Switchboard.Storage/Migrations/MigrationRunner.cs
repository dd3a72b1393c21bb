using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Migrations;

/// <summary>What the database holds before or after migrating.</summary>
/// <param name="CurrentVersion">The schema version applied; 0 for an empty database.</param>
/// <param name="LatestVersion">The version this build carries.</param>
/// <param name="Pending">Migrations not yet applied.</param>
public sealed record SchemaStatus(int CurrentVersion, int LatestVersion, IReadOnlyList<Migration> Pending)
{
    /// <summary>Whether the database is exactly at the version this build expects.</summary>
    public bool IsCurrent => CurrentVersion == LatestVersion;

    /// <summary>Whether a newer release has already migrated the database past this build's version.</summary>
    public bool IsAhead => CurrentVersion > LatestVersion;

    /// <summary>
    /// Whether this build can serve the database: at its own version, or ahead by no more than
    /// <see cref="MigrationCatalog.ForwardCompatibleVersions"/> (the next release's additive migration).
    /// </summary>
    public bool IsServable => CurrentVersion >= LatestVersion && CurrentVersion <= LatestVersion + MigrationCatalog.ForwardCompatibleVersions;
}

/// <summary>The outcome of <see cref="MigrationRunner.MigrateAsync"/>.</summary>
/// <param name="FromVersion">The version before.</param>
/// <param name="ToVersion">The version after.</param>
/// <param name="Applied">The migrations this run applied, in order (empty when another replica or an earlier run did).</param>
public sealed record MigrationReport(int FromVersion, int ToVersion, IReadOnlyList<Migration> Applied);

/// <summary>
/// Applies the embedded forward-only migrations, each in its own transaction together with its
/// <c>schema_history</c> row, under the database's write lock so replicas starting together apply each step once.
/// Before touching anything it checks that the database is empty or Switchboard's, not newer than this build can
/// serve (its own version plus <see cref="MigrationCatalog.ForwardCompatibleVersions"/>), and that the applied scripts
/// this build carries were not edited since.
/// </summary>
public sealed class MigrationRunner(StorageDatabase database, ILogger<MigrationRunner>? logger = null)
{
    internal const string HistoryTable = "schema_history";

    // Arbitrary constant naming Switchboard's migration lock among PostgreSQL advisory locks.
    private const long MigrationLockId = 0x5357_4D49_4752;

    private readonly ILogger _logger = logger ?? NullLogger<MigrationRunner>.Instance;

    /// <summary>Reads the schema version without changing anything.</summary>
    /// <exception cref="StorageException">The database is foreign, corrupt, unreachable, or newer than this build can serve.</exception>
    public Task<SchemaStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            var current = await InspectAsync(connection, null, ct);
            return Status(current);
        }, cancellationToken);

    /// <summary>
    /// The start-up check without <c>MigrateOnStart</c>: returns the status when this build can serve the database (its
    /// own version, or one newer release's additive migration: a rolling upgrade or a rollback), throws otherwise.
    /// </summary>
    /// <exception cref="StorageException">The database is older than this build, or out of reach as for <see cref="GetStatusAsync"/>.</exception>
    public async Task<SchemaStatus> EnsureServableAsync(CancellationToken cancellationToken = default)
    {
        var status = await GetStatusAsync(cancellationToken);
        if (status.CurrentVersion < status.LatestVersion)
        {
            throw new StorageException(
                $"Database schema version {status.CurrentVersion} is older than this build expects ({status.LatestVersion}) in the {database.Description}. Run `switchboard migrate`, or set Storage:MigrateOnStart=true.");
        }

        if (status.IsAhead)
        {
            Log.SchemaAhead(_logger, status.CurrentVersion, status.LatestVersion, database.Description);
        }

        return status;
    }

    /// <summary>Applies pending migrations up to <paramref name="targetVersion"/> (default: the latest).</summary>
    /// <exception cref="StorageException">The database is foreign, corrupt, unreachable, newer than this build can serve, or a script failed (that script's changes are rolled back).</exception>
    public Task<MigrationReport> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        var migrations = MigrationCatalog.For(database.Provider);
        var target = targetVersion ?? migrations[^1].Version;
        if (target < 0 || target > migrations[^1].Version)
        {
            throw new ArgumentOutOfRangeException(nameof(targetVersion), target, $"Target schema version must be between 0 and {migrations[^1].Version}.");
        }

        return database.RunAsync(async (connection, ct) =>
        {
            var from = await InspectAsync(connection, null, ct);
            if (from == 0 && database.Provider == StorageProvider.Sqlite)
            {
                // Write-ahead logging lets readers run beside the single writer; set once, kept in the file.
                await connection.ExecuteAsync("PRAGMA journal_mode=WAL;", ct);
            }

            var applied = new List<Migration>();
            foreach (var migration in migrations.Where(m => m.Version > from && m.Version <= target))
            {
                if (await ApplyAsync(connection, migration, ct))
                {
                    applied.Add(migration);
                }
            }

            var to = await InspectAsync(connection, null, ct);
            if (to > migrations[^1].Version)
            {
                Log.SchemaAhead(_logger, to, migrations[^1].Version, database.Description);
            }
            else if (applied.Count == 0)
            {
                Log.SchemaCurrent(_logger, database.Provider, database.Description, to);
            }

            return new MigrationReport(from, to, applied);
        }, cancellationToken);
    }

    private async Task<bool> ApplyAsync(DbConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await database.BeginExclusiveAsync(connection, MigrationLockId, cancellationToken);
        await connection.ExecuteAsync(CreateHistorySql, cancellationToken, transaction);

        // Re-read under the lock: another replica may have applied this step while we waited.
        if (await InspectAsync(connection, transaction, cancellationToken) >= migration.Version)
        {
            return false;
        }

        try
        {
            await connection.ExecuteAsync(migration.Sql, cancellationToken, transaction);
        }
        catch (DbException ex)
        {
            throw new StorageException(
                $"Migration {migration.Version:D4}_{migration.Name} failed on the {database.Description} and was rolled back: {ex.Message}", ex);
        }

        await using (var insert = connection.Command(
            $"INSERT INTO {HistoryTable} (version, name, checksum, applied_at) VALUES (@version, @name, @checksum, @at)", transaction))
        {
            insert.With("version", migration.Version).With("name", migration.Name).With("checksum", migration.Checksum)
                .With("at", database.ToDb(DateTimeOffset.UtcNow));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Log.MigrationApplied(_logger, migration.Version, migration.Name, database.Provider, database.Description, stopwatch.ElapsedMilliseconds);
        return true;
    }

    private string CreateHistorySql => database.Provider == StorageProvider.Sqlite
        ? $"CREATE TABLE IF NOT EXISTS {HistoryTable} (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
        : $"CREATE TABLE IF NOT EXISTS {HistoryTable} (version integer NOT NULL PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL)";

    /// <summary>Returns the applied version after checking the database is Switchboard's and not newer than this build can serve.</summary>
    private async Task<int> InspectAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var tables = await ListTablesAsync(connection, transaction, cancellationToken);
        if (!tables.Contains(HistoryTable))
        {
            if (tables.Count > 0)
            {
                throw new StorageException(
                    $"The {database.Description} holds tables ({string.Join(", ", tables.Order(StringComparer.Ordinal).Take(5))}) but no {HistoryTable} table: it is not a Switchboard database. Nothing was changed. Point Storage:ConnectionString at an empty database or an existing Switchboard one.");
            }

            return 0;
        }

        var applied = new List<(int Version, string Name, string Checksum)>();
        await using (var command = connection.Command($"SELECT version, name, checksum FROM {HistoryTable} ORDER BY version", transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var known = MigrationCatalog.For(database.Provider);
        var latest = known[^1].Version;
        var current = applied.Count == 0 ? 0 : applied[^1].Version;
        if (current > latest + MigrationCatalog.ForwardCompatibleVersions)
        {
            throw new StorageException(
                $"Database schema version {current} is newer than this build can serve (schema {latest}, and {latest + MigrationCatalog.ForwardCompatibleVersions} written by the next release); upgrade Switchboard to a release of schema {current - MigrationCatalog.ForwardCompatibleVersions} or later (`switchboard version` shows it). ({database.Description}; nothing was changed.)");
        }

        // Scripts of a newer release are not in this build; those it carries must be the ones that ran.
        foreach (var (version, name, checksum) in applied.Where(a => a.Version <= latest))
        {
            var script = known[version - 1];
            if (script.Checksum != checksum)
            {
                throw new StorageException(
                    $"Migration {version:D4}_{name} recorded in {HistoryTable} differs from the script in this build (checksum {checksum[..12]}... vs {script.Checksum[..12]}...). Migrations are forward-only: restore the original script or the database from a backup.");
            }
        }

        return current;
    }

    private async Task<HashSet<string>> ListTablesAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var sql = database.Provider == StorageProvider.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var command = connection.Command(sql, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private SchemaStatus Status(int current)
    {
        var known = MigrationCatalog.For(database.Provider);
        return new SchemaStatus(current, known[^1].Version, [.. known.Where(m => m.Version > current)]);
    }
}
