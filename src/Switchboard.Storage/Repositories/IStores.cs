using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>Principals, roles and who holds which role.</summary>
public interface IPrincipalStore
{
    /// <summary>Whether any principal exists (first start creates the admin when none does).</summary>
    Task<bool> AnyAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a principal; throws <see cref="StorageException"/> when the name is taken.</summary>
    Task CreateAsync(Principal principal, CancellationToken cancellationToken = default);

    /// <summary>The principal with this id, or null.</summary>
    Task<Principal?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The principal with this name, or null.</summary>
    Task<Principal?> FindByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>All principals by name.</summary>
    Task<IReadOnlyList<Principal>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a role.</summary>
    Task UpsertRoleAsync(Role role, CancellationToken cancellationToken = default);

    /// <summary>All roles by name.</summary>
    Task<IReadOnlyList<Role>> ListRolesAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a role (and every grant of it); false when there was none.</summary>
    Task<bool> DeleteRoleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>How many principals with an unrevoked API key hold the role.</summary>
    Task<int> CountRoleHoldersAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Replaces the principal's roles with <paramref name="roleNames"/>, atomically.</summary>
    Task SetRolesAsync(string principalId, IReadOnlyCollection<string> roleNames, CancellationToken cancellationToken = default);

    /// <summary>The names of the principal's roles.</summary>
    Task<IReadOnlyList<string>> GetRoleNamesAsync(string principalId, CancellationToken cancellationToken = default);
}

/// <summary>API keys: stored as prefix + hash; looked up by prefix on every request (cached when Redis or memory allows).</summary>
public interface IApiKeyStore
{
    /// <summary>Adds a key; throws <see cref="StorageException"/> when the prefix is taken.</summary>
    Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default);

    /// <summary>The key with this prefix, revoked or not, or null. The hot path.</summary>
    ValueTask<ApiKeyRecord?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>The key with this id, or null.</summary>
    Task<ApiKeyRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Keys, optionally only one principal's, newest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? principalId = null, CancellationToken cancellationToken = default);

    /// <summary>Marks the key revoked; false when there is no such key.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default);

    /// <summary>Records a use; only moves <c>last_used_at</c> forward.</summary>
    Task TouchLastUsedAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken = default);
}

/// <summary>The append-only, hash-chained audit trail.</summary>
public interface IAuditStore
{
    /// <summary>Appends an event, linking it to the last one atomically across replicas.</summary>
    Task<AuditEvent> AppendAsync(AuditEventDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Throws <see cref="StorageUnavailableException"/> when the last append failed because the database was away and it
    /// still does not answer; free (no I/O) while appends succeed. Called before work whose record must follow it, so
    /// that work does not run when its record cannot be written.
    /// </summary>
    ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Events matching <paramref name="query"/>, oldest first.</summary>
    Task<IReadOnlyList<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Walks the chain from its first event, or from the prune anchor when older events were pruned, and reports the
    /// first event that does not verify.
    /// </summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <paramref name="maxEvents"/> of the oldest events that happened before
    /// <paramref name="olderThan"/>, in one transaction that also moves the prune anchor forward and appends an
    /// <c>audit.prune</c> event by <paramref name="actor"/>. Only an unbroken run from the start of the chain is
    /// deleted, and only after it verifies: a broken chain is never pruned (that would destroy the evidence).
    /// </summary>
    /// <exception cref="StorageException">The events to prune do not verify; nothing was deleted.</exception>
    Task<AuditPruneResult> PruneAsync(DateTimeOffset olderThan, int maxEvents, string actor, CancellationToken cancellationToken = default);
}

/// <summary>Registered upstream MCP servers.</summary>
public interface IServerStore
{
    /// <summary>Creates or replaces a server by name.</summary>
    Task UpsertAsync(RegisteredServer server, CancellationToken cancellationToken = default);

    /// <summary>The server with this name, or null.</summary>
    Task<RegisteredServer?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>All servers by name.</summary>
    Task<IReadOnlyList<RegisteredServer>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a server; false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>The tool definitions pinned per remote server (rug-pull protection).</summary>
public interface IToolPinStore
{
    /// <summary>Every pin of <paramref name="server"/>, by tool name.</summary>
    Task<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default);

    /// <summary>Records a tool's first definition; false when another writer recorded one first.</summary>
    Task<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="pendingHash"/> as the tool's changed definition; false when it already was.</summary>
    Task<bool> SetPendingAsync(string server, string tool, string pendingHash, DateTimeOffset changedAt, CancellationToken cancellationToken = default);

    /// <summary>Approves the pending definitions of <paramref name="server"/> (only <paramref name="tool"/>'s when given); returns the tools approved.</summary>
    Task<IReadOnlyList<string>> ApproveAsync(string server, string? tool, CancellationToken cancellationToken = default);

    /// <summary>Forgets every pin of <paramref name="server"/>, so a new registration under its name starts afresh.</summary>
    Task DeleteServerAsync(string server, CancellationToken cancellationToken = default);
}

/// <summary>The keys that sign Switchboard's own service tokens, shared by every replica.</summary>
public interface ISigningKeyStore
{
    /// <summary>Every signing key, oldest first.</summary>
    Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a key; throws <see cref="StorageException"/> when the id is taken.</summary>
    Task CreateAsync(SigningKey key, CancellationToken cancellationToken = default);
}
