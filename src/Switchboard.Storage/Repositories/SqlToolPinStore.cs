using System.Data.Common;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="IToolPinStore"/> over ADO.NET.</summary>
internal sealed class SqlToolPinStore(StorageDatabase database) : SqlStoreBase(database), IToolPinStore
{
    private const string Columns = "server, tool, hash, pending_hash, first_seen_at, changed_at";

    public async Task<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default) =>
        await QueryAsync($"SELECT {Columns} FROM tool_pins WHERE server = @server ORDER BY tool", c => c.With("server", server), Map, cancellationToken);

    public async Task<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return await ExecuteAsync(
            $"INSERT INTO tool_pins ({Columns}) VALUES (@server, @tool, @hash, NULL, @seen, NULL) ON CONFLICT (server, tool) DO NOTHING",
            c => c.With("server", pin.Server).With("tool", pin.Tool).With("hash", pin.Hash).With("seen", Database.ToDb(pin.FirstSeenAt)),
            cancellationToken) > 0;
    }

    public async Task<bool> SetPendingAsync(string server, string tool, string pendingHash, DateTimeOffset changedAt, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            """
            UPDATE tool_pins SET pending_hash = @pending, changed_at = @changed
            WHERE server = @server AND tool = @tool AND hash <> @pending AND (pending_hash IS NULL OR pending_hash <> @pending)
            """,
            c => c.With("server", server).With("tool", tool).With("pending", pendingHash).With("changed", Database.ToDb(changedAt)),
            cancellationToken) > 0;

    public async Task<IReadOnlyList<string>> ApproveAsync(string server, string? tool, CancellationToken cancellationToken = default)
    {
        // Read then update the same rows: an approval names what it approved, and a definition that changed again
        // in between (another pending hash) is not approved blindly.
        var pending = (await ListAsync(server, cancellationToken)).Where(p => p.PendingHash is not null && (tool is null || p.Tool == tool)).ToList();
        var approved = new List<string>();
        foreach (var pin in pending)
        {
            int updated = await ExecuteAsync(
                "UPDATE tool_pins SET hash = pending_hash, pending_hash = NULL WHERE server = @server AND tool = @tool AND pending_hash = @pending",
                c => c.With("server", server).With("tool", pin.Tool).With("pending", pin.PendingHash),
                cancellationToken);
            if (updated > 0)
            {
                approved.Add(pin.Tool);
            }
        }

        return approved;
    }

    public Task DeleteServerAsync(string server, CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM tool_pins WHERE server = @server", c => c.With("server", server), cancellationToken);

    private static ToolPin Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), StorageDatabase.ReadNullableString(r, 3),
        StorageDatabase.ReadTimestamp(r, 4), StorageDatabase.ReadNullableTimestamp(r, 5));
}
