using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Health;

/// <summary>Unhealthy when the database does not answer <c>SELECT 1</c> within <see cref="StorageOptions.HealthCheckTimeout"/>.</summary>
public sealed class DatabaseHealthCheck(StorageDatabase database, IOptions<StorageOptions> options) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = database.Provider.ToString(), ["database"] = database.Description };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthCheckTimeout);
        try
        {
            await database.RunAsync(async (connection, ct) => await connection.ExecuteAsync("SELECT 1", ct), timeout.Token);
            return HealthCheckResult.Healthy("Database reachable.", data);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The {database.Description} did not answer within {options.Value.HealthCheckTimeout.TotalSeconds:0.#} s."), data: data);
        }
        catch (Exception ex) when (ex is StorageException or System.Data.Common.DbException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex, data);
        }
    }
}
