namespace Switchboard.Storage.Model;

/// <summary>Someone or something that authenticates: a person or a service account.</summary>
/// <param name="Id">Stable identifier (e.g. a ULID).</param>
/// <param name="Name">Unique login-style name.</param>
/// <param name="Kind">What it is, e.g. <c>user</c> or <c>service</c>.</param>
/// <param name="DisplayName">Optional human name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="DisabledAt">When it was disabled, if it was.</param>
public sealed record Principal(string Id, string Name, string Kind, string? DisplayName, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt = null);

/// <summary>A named set of permissions.</summary>
/// <param name="Name">Unique role name, e.g. <c>admin</c>.</param>
/// <param name="Description">What the role is for.</param>
/// <param name="Permissions">Permission strings with optional globs, e.g. <c>tools:call filesystem/read_*</c>.</param>
/// <param name="BuiltIn">Whether Switchboard created it (built-in roles are not deleted).</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Role(string Name, string? Description, IReadOnlyList<string> Permissions, bool BuiltIn, DateTimeOffset CreatedAt);

/// <summary>A stored API key: its public prefix and a hash of the secret, never the secret.</summary>
/// <param name="Id">Stable identifier.</param>
/// <param name="PrincipalId">The principal the key authenticates as.</param>
/// <param name="Name">Operator-given name.</param>
/// <param name="Prefix">The unique, non-secret start of the key used to find it (and by secret scanners).</param>
/// <param name="Hash">The hash of the secret part, in whatever encoding the identity layer chose.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops working, if ever.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
/// <param name="LastUsedAt">When it last authenticated a request, if ever.</param>
public sealed record ApiKeyRecord(
    string Id,
    string PrincipalId,
    string Name,
    string Prefix,
    string Hash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? RevokedAt = null,
    DateTimeOffset? LastUsedAt = null);

/// <summary>A registered upstream MCP server.</summary>
/// <param name="Name">Unique server name, as used in <c>/servers/{name}/mcp</c>.</param>
/// <param name="Transport">How it is reached, e.g. <c>http</c> or <c>stdio</c>.</param>
/// <param name="Endpoint">URL or command line.</param>
/// <param name="Settings">Transport settings as JSON text, if any.</param>
/// <param name="Enabled">Whether the gateway mounts it.</param>
/// <param name="Description">Operator note.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="UpdatedAt">When it was last changed.</param>
public sealed record RegisteredServer(
    string Name,
    string Transport,
    string Endpoint,
    string? Settings,
    bool Enabled,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The definition of one remote tool as first seen, and a changed one awaiting approval.</summary>
/// <param name="Server">The server's name.</param>
/// <param name="Tool">The tool's name on that server.</param>
/// <param name="Hash">The approved definition's hash.</param>
/// <param name="PendingHash">A changed definition's hash, quarantined until approved; null when none.</param>
/// <param name="FirstSeenAt">When the tool was first seen.</param>
/// <param name="ChangedAt">When the change now pending was first seen.</param>
public sealed record ToolPin(string Server, string Tool, string Hash, string? PendingHash, DateTimeOffset FirstSeenAt, DateTimeOffset? ChangedAt);

/// <summary>A secret that signs service tokens (HMAC-SHA256).</summary>
/// <param name="Id">The key id tokens carry in their <c>kid</c> header.</param>
/// <param name="Secret">The secret, base64; at least 256 bits.</param>
/// <param name="CreatedAt">When it was made; the oldest key signs.</param>
public sealed record SigningKey(string Id, string Secret, DateTimeOffset CreatedAt);
