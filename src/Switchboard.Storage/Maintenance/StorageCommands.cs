using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Migrations;

namespace Switchboard.Storage.Maintenance;

/// <summary>
/// The operator commands behind <c>switchboard migrate|backup|restore|export|import</c>. Each returns a
/// <see cref="StorageCommandResult"/>: print <see cref="StorageCommandResult.Message"/>, exit with
/// <see cref="StorageCommandResult.ExitCode"/>. None throws for an operator error; none needs the host started.
/// </summary>
public sealed class StorageCommands(
    StorageDatabase database,
    MigrationRunner runner,
    BackupService backups,
    PortableTransfer transfer,
    ILogger<StorageCommands>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<StorageCommands>.Instance;

    /// <summary>Applies pending migrations and lists what it applied.</summary>
    public async Task<StorageCommandResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await runner.MigrateAsync(cancellationToken: cancellationToken);
            var message = report.ToVersion > MigrationCatalog.LatestVersion
                ? Ahead(report.ToVersion)
                : report.Applied.Count == 0
                ? $"The {database.Description} is at schema version {report.ToVersion}, the latest; nothing to apply."
                : $"Migrated the {database.Description} from schema version {report.FromVersion} to {report.ToVersion}:{Environment.NewLine}"
                  + string.Join(Environment.NewLine, report.Applied.Select(m => $"  applied {m.Version:D4}_{m.Name}"));
            return Finish("migrate", StorageCommandResult.Ok(message));
        }
        catch (StorageException ex)
        {
            return Finish("migrate", StorageCommandResult.Fail(ex.Message));
        }
    }

    /// <summary>Reports the schema version and pending migrations; fails when the database is not current.</summary>
    public async Task<StorageCommandResult> StatusAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await runner.GetStatusAsync(cancellationToken);
            return status.IsCurrent
                ? StorageCommandResult.Ok($"The {database.Description} is at schema version {status.CurrentVersion}, the latest.")
                : status.IsAhead
                ? StorageCommandResult.Ok(Ahead(status.CurrentVersion))
                : StorageCommandResult.Fail(
                    $"The {database.Description} is at schema version {status.CurrentVersion}; {status.Pending.Count} migration(s) pending ({string.Join(", ", status.Pending.Select(m => $"{m.Version:D4}_{m.Name}"))}). Run `switchboard migrate`.");
        }
        catch (StorageException ex)
        {
            return StorageCommandResult.Fail(ex.Message);
        }
    }

    /// <summary>See <see cref="BackupService.BackupAsync"/>.</summary>
    public async Task<StorageCommandResult> BackupAsync(string path, CancellationToken cancellationToken = default) =>
        Finish("backup", await backups.BackupAsync(path, cancellationToken));

    /// <summary>See <see cref="BackupService.RestoreAsync"/>.</summary>
    public async Task<StorageCommandResult> RestoreAsync(string path, CancellationToken cancellationToken = default) =>
        Finish("restore", await backups.RestoreAsync(path, cancellationToken));

    /// <summary>See <see cref="PortableTransfer.ExportAsync"/>.</summary>
    public async Task<StorageCommandResult> ExportAsync(string path, CancellationToken cancellationToken = default) =>
        Finish("export", await transfer.ExportAsync(path, cancellationToken));

    /// <summary>See <see cref="PortableTransfer.ImportAsync"/>.</summary>
    public async Task<StorageCommandResult> ImportAsync(string path, CancellationToken cancellationToken = default) =>
        Finish("import", await transfer.ImportAsync(path, cancellationToken));

    private string Ahead(int version) =>
        $"The {database.Description} is at schema version {version}, written by a newer release; this build ({MigrationCatalog.LatestVersion}) has nothing to apply and still serves it (the compatibility window, docs/storage.md).";

    private StorageCommandResult Finish(string operation, StorageCommandResult result)
    {
        Log.MaintenanceFinished(_logger, operation, result.Message);
        return result;
    }
}
