using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Switchboard.Access.Authorization;
using Switchboard.Policy;
using Switchboard.Storage;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Identity;

/// <summary>A key as an operator sees it: never its secret.</summary>
public sealed record ApiKeyInfo(string Id, string Name, string Prefix, string Principal, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A key just made: the only time its full text exists outside the caller's hands.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyInfo Info);

/// <summary>Who a valid key speaks for.</summary>
/// <param name="KeyId">The key's id.</param>
/// <param name="Prefix">The key's public prefix, which finds it again (cached).</param>
/// <param name="Principal">The principal it acts for.</param>
/// <param name="Roles">That principal's roles.</param>
public sealed record ApiKeyCaller(string KeyId, string Prefix, string Principal, IReadOnlyList<string> Roles)
{
    private AccessPrincipal? _access;
    private CallerPrincipal? _user;

    /// <summary>The caller as the access path sees it (<see cref="ApiKeyService.AuthenticateAsync(ReadOnlyMemory{char}, CancellationToken)"/> hands out the one cached with the key holder).</summary>
    public AccessPrincipal Access
    {
        get => _access ??= new(Principal, new RoleSet(Roles)) { Credential = Prefix };
        init => _access = value;
    }

    /// <summary>
    /// The caller's claims, built on first use and then handed to every request made with the key, as long as
    /// <see cref="ApiKeyService.AuthenticateAsync(ReadOnlyMemory{char}, CancellationToken)"/> hands out this caller: it makes a new one whenever the identity
    /// version moves (a revocation, a role or grant change), so a changed key never keeps its old claims. Shared, so it
    /// refuses changes (<see cref="CallerPrincipal.Shared"/>).
    /// </summary>
    public CallerPrincipal User => _user ??= CallerPrincipal.Shared(
        [
            new Claim(SwitchboardClaims.Principal, Principal),
            // The SDK binds a stateful MCP session to this claim, so another caller cannot ride on its id.
            new Claim(ClaimTypes.NameIdentifier, Principal),
            new Claim(SwitchboardClaims.ApiKey, Prefix),
            .. Roles.Select(r => new Claim(SwitchboardClaims.Role, r)),
        ],
        ApiKeyService.AuthenticationType,
        Access);
}

/// <summary>
/// Creates, lists, revokes, rotates and checks API keys. Each key acts for a principal of the same name holding the
/// key's roles (a service account). A key presented again is one lookup and a constant-time comparison; a key not
/// seen under the current identity version costs two cached lookups and one hash.
/// </summary>
public sealed class ApiKeyService(IApiKeyStore keys, IPrincipalStore principals, IHotCache cache, IdentityVersion identity, AccessPolicyProvider policies, IAuditStore audit, TimeProvider time)
{
    /// <summary>The authentication type of the identities of <see cref="ApiKeyCaller.User"/>; the gateway's scheme has this name.</summary>
    public const string AuthenticationType = "api-key";

    /// <summary>Who an administrative change is attributed to in the audit trail when the caller does not say.</summary>
    public const string OperatorActor = "operator";

    /// <summary>The longest name a key (its principal) may have, in UTF-16 code units.</summary>
    public const int MaxNameLength = 200;

    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // When this process last recorded each key's use. The cached key record keeps the last-used time it was read
    // with, so judging by it alone would write to the database on every request once a minute had passed.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    // The last successful check of each key prefix, under the identity version it was made with: a request presenting
    // the same secret (compared with the one that verified) under the same version skips the key and principal lookups.
    // Every change to keys, principals, roles or grants moves the version, here within about a second wherever it was
    // made (IdentityVersionWatcher), which retires every entry: a revoked key is refused as promptly as before. Only
    // keys that verified get an entry, so there are at most as many as there are keys. Looked up by the prefix as it
    // lies in the presented key, without copying it.
    private readonly ConcurrentDictionary<string, VerifiedKey>.AlternateLookup<ReadOnlySpan<char>> _verified =
        new ConcurrentDictionary<string, VerifiedKey>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// What is wrong with <paramref name="name"/> as a key's name, or null when it is fine. Names are people's and
    /// services' names, so nearly anything goes, but they are shown in the audit trail, the logs and <c>keys list</c>:
    /// a control, format (bidi override, zero-width) or line-separator character there could disguise who acted.
    /// </summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "A key needs a name: who or what it is for.";
        }

        if (name.Length > MaxNameLength)
        {
            return $"A key's name is at most {MaxNameLength} characters; this one has {name.Length}.";
        }

        for (int i = 0; i < name.Length; i++)
        {
            var category = char.GetUnicodeCategory(name, i);
            bool unpaired = char.IsSurrogate(name[i]) && !(char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]));
            if (unpaired || category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return string.Create(CultureInfo.InvariantCulture, $"A key's name cannot hold control or invisible formatting characters (here U+{(int)name[i]:X4} at position {i + 1}): they would disguise the name in the audit trail and logs.");
            }

            i += char.IsSurrogatePair(name, i) ? 1 : 0;
        }

        return null;
    }

    /// <summary>
    /// Makes a key named <paramref name="name"/> for a principal of that name with <paramref name="roles"/>.
    /// <paramref name="key"/> supplies the key text for unattended installs; otherwise one is generated.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not valid or taken, a role does not exist, or the supplied key is malformed.</exception>
    public async Task<CreatedApiKey> CreateAsync(string name, IReadOnlyCollection<string> roles, TimeSpan? expiresIn = null, string? key = null, string actor = OperatorActor, CancellationToken cancellationToken = default)
    {
        if (NameProblem(name) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        await policies.RefreshAsync(cancellationToken);
        var policy = policies.Current;
        if (roles.Count == 0)
        {
            throw new ArgumentException("A key needs at least one role.");
        }

        if (roles.FirstOrDefault(r => !policy.HasRole(r)) is { } unknown)
        {
            throw new ArgumentException($"There is no role '{unknown}'. Roles: {string.Join(", ", policy.RoleNames.Order(StringComparer.Ordinal))}.");
        }

        string taken = $"The name '{name}' is taken; choose another, or rotate that key.";
        if (await principals.FindByNameAsync(name, cancellationToken) is not null)
        {
            throw new ArgumentException(taken);
        }

        var (text, prefix, hash) = key is null ? ApiKeyFormat.Generate() : Adopt(key);
        var now = time.GetUtcNow();
        var principal = new Principal(NewId(), name, "service", null, now);
        try
        {
            await principals.CreateAsync(principal, cancellationToken);
        }
        catch (StorageConflictException e)
        {
            // A concurrent create of the same name won the race after the check above.
            throw new ArgumentException(taken, e);
        }
        // Grants need a row per role; built-in and configured roles get one on first use. A stored role has its row.
        var stored = (await principals.ListRolesAsync(cancellationToken)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var role in roles.Where(r => !stored.Contains(r)))
        {
            await principals.UpsertRoleAsync(new Role(role, null, [], BuiltInRoles(role), now), cancellationToken);
        }

        await principals.SetRolesAsync(principal.Id, [.. roles], cancellationToken);
        var record = new ApiKeyRecord(NewId(), principal.Id, name, prefix, hash, now, ExpiryAfter(now, expiresIn));
        await keys.CreateAsync(record, cancellationToken);
        await RecordAsync(actor, "keys.create", prefix, $"for '{name}' with roles {string.Join(", ", roles)}", cancellationToken);
        return new CreatedApiKey(text, Describe(record, name, [.. roles]));
    }

    /// <summary>Every key, newest first.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ApiKeyInfo>();
        foreach (var record in await keys.ListAsync(cancellationToken: cancellationToken))
        {
            result.Add(await DescribeAsync(record, cancellationToken));
        }

        return result;
    }

    /// <summary>The key with id or prefix <paramref name="idOrPrefix"/>; null when there is none.</summary>
    public async Task<ApiKeyInfo?> FindAsync(string idOrPrefix, CancellationToken cancellationToken = default)
    {
        var record = await FindRecordAsync(idOrPrefix, cancellationToken);
        return record is null ? null : await DescribeAsync(record, cancellationToken);
    }

    /// <summary>Revokes the key with id or prefix <paramref name="idOrPrefix"/>; null when there is none.</summary>
    public async Task<ApiKeyInfo?> RevokeAsync(string idOrPrefix, CancellationToken cancellationToken = default, string actor = OperatorActor)
    {
        var record = await FindRecordAsync(idOrPrefix, cancellationToken);
        if (record is null)
        {
            return null;
        }

        await keys.RevokeAsync(record.Id, time.GetUtcNow(), cancellationToken);
        await RecordAsync(actor, "keys.revoke", record.Prefix, null, cancellationToken);
        return await DescribeAsync((await keys.GetAsync(record.Id, cancellationToken))!, cancellationToken);
    }

    /// <summary>Issues a new key for the same principal and revokes the old one; null when there is no such key.</summary>
    public async Task<CreatedApiKey?> RotateAsync(string idOrPrefix, CancellationToken cancellationToken = default, string actor = OperatorActor)
    {
        var old = await FindRecordAsync(idOrPrefix, cancellationToken);
        if (old is null)
        {
            return null;
        }

        var (text, prefix, hash) = ApiKeyFormat.Generate();
        var now = time.GetUtcNow();
        var record = new ApiKeyRecord(NewId(), old.PrincipalId, old.Name, prefix, hash, now, ExpiryAfter(now, old.ExpiresAt - old.CreatedAt));
        await keys.CreateAsync(record, cancellationToken);
        await keys.RevokeAsync(old.Id, now, cancellationToken);
        await RecordAsync(actor, "keys.rotate", old.Prefix, $"replaced by {prefix}", cancellationToken);
        var principal = await principals.GetAsync(old.PrincipalId, cancellationToken);
        return new CreatedApiKey(text, Describe(record, principal?.Name ?? old.PrincipalId, await principals.GetRoleNamesAsync(old.PrincipalId, cancellationToken)));
    }

    /// <summary>
    /// Why the key with the public prefix <paramref name="prefix"/> no longer speaks for anyone (<c>revoked</c>,
    /// <c>expired</c>, or <c>unknown</c> when there is no such key), or null while it does. For work a key started that
    /// outlives its request (a queued tool call, a workflow run's steps): the same cached lookup a request's key gets,
    /// so a revocation reaches that work as promptly as it reaches requests.
    /// </summary>
    public async ValueTask<string?> StandingProblemAsync(string prefix, CancellationToken cancellationToken = default) =>
        (await StandingAsync(prefix, cancellationToken)).Problem;

    /// <summary>
    /// <see cref="StandingProblemAsync"/>, and while the key stands, when it expires (null: never): for a request that
    /// stays open past its key's expiry, an event stream.
    /// </summary>
    public async ValueTask<(string? Problem, DateTimeOffset? ExpiresAt)> StandingAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var record = await keys.FindByPrefixAsync(prefix, cancellationToken);
        return record is null ? ("unknown", null)
            : record.RevokedAt is not null ? ("revoked", null)
            : record.ExpiresAt <= time.GetUtcNow() ? ("expired", null)
            : (null, record.ExpiresAt);
    }

    // A lifetime that reaches past the calendar's end (a key "until 9999-12-31") ends there instead of overflowing.
    private static DateTimeOffset? ExpiryAfter(DateTimeOffset now, TimeSpan? lifetime) =>
        lifetime is not { } span ? null
        : span >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue
        : now + span;

    /// <summary>The caller a presented key speaks for, or the reason it does not speak for anyone.</summary>
    public ValueTask<(ApiKeyCaller? Caller, string? Failure)> AuthenticateAsync(string presented, CancellationToken cancellationToken = default) =>
        AuthenticateAsync(presented.AsMemory(), cancellationToken);

    /// <summary>
    /// The caller a presented key speaks for, or the reason it does not speak for anyone. Takes the key where it lies
    /// (in a header value), so the common request, the same key again, copies nothing and hashes nothing.
    /// </summary>
    public ValueTask<(ApiKeyCaller? Caller, string? Failure)> AuthenticateAsync(ReadOnlyMemory<char> presented, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyFormat.TryParse(presented.Span, out var prefix, out var secret))
        {
            return ValueTask.FromResult<(ApiKeyCaller?, string?)>((null, "malformed API key"));
        }

        // Read before anything else, so an entry is never filed under a version newer than what it was read with.
        var reading = identity.CurrentAsync(cancellationToken);
        if (!reading.IsCompletedSuccessfully)
        {
            return AuthenticateAfterReadAsync(prefix.ToString(), secret.ToString(), reading, cancellationToken);
        }

        long version = reading.Result;
        return TryRemembered(prefix, secret, version, time.GetUtcNow()) is { } remembered
            ? ValueTask.FromResult(remembered)
            : VerifyAsync(prefix.ToString(), secret.ToString(), version, cancellationToken);
    }

    private async ValueTask<(ApiKeyCaller? Caller, string? Failure)> AuthenticateAfterReadAsync(string prefix, string secret, ValueTask<long> reading, CancellationToken cancellationToken)
    {
        long version = await reading;
        return TryRemembered(prefix, secret, version, time.GetUtcNow()) ?? await VerifyAsync(prefix, secret, version, cancellationToken);
    }

    // The key that verified last under this prefix and identity version, when the same secret is presented again: it
    // is compared with the secret that verified, in constant time, instead of hashing it (issue 18: SHA-256 through
    // OpenSSL on every request was 2.3% of the gateway's CPU). Any other secret goes the full way, and is refused
    // there unless it hashes to the stored hash. Expiry is judged on every request, revocation and every other change
    // move the identity version and so retire the entry, as before.
    private (ApiKeyCaller? Caller, string? Failure)? TryRemembered(ReadOnlySpan<char> prefix, ReadOnlySpan<char> secret, long version, DateTimeOffset now)
    {
        if (!_verified.TryGetValue(prefix, out var known) || known.Version != version || !ApiKeyFormat.SameSecret(secret, known.Secret))
        {
            return null;
        }

        if (known.ExpiresAt <= now)
        {
            return (null, "expired API key");
        }

        Touch(known.Caller.KeyId, known.LastUsedAt, now);
        return (known.Caller, null);
    }

    private async ValueTask<(ApiKeyCaller? Caller, string? Failure)> VerifyAsync(string prefix, string secret, long version, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = await keys.FindByPrefixAsync(prefix, cancellationToken);
        if (record is null || !ApiKeyFormat.Matches(secret, record.Hash))
        {
            return (null, "unknown API key");
        }

        if (record.RevokedAt is not null)
        {
            return (null, "revoked API key");
        }

        if (record.ExpiresAt <= now)
        {
            return (null, "expired API key");
        }

        // Keyed by the identity version, like the key record: a grant changed anywhere is seen here within a second.
        var holder = await cache.GetOrCreateAsync($"principal-roles:{version}:{record.PrincipalId}", async ct =>
        {
            var principal = await principals.GetAsync(record.PrincipalId, ct);
            return principal is null || principal.DisabledAt is not null
                ? null
                : new KeyHolder(principal.Name, [.. await principals.GetRoleNamesAsync(record.PrincipalId, ct)]);
        }, cancellationToken);
        if (holder is null)
        {
            return (null, "disabled principal");
        }

        // The holder's role set is shared by its keys; the credential is this key's.
        var caller = new ApiKeyCaller(record.Id, record.Prefix, holder.Name, holder.Roles) { Access = holder.Access with { Credential = record.Prefix } };
        _verified.Dictionary[prefix] = new VerifiedKey(version, secret, record.ExpiresAt, record.LastUsedAt, caller);
        Touch(record.Id, record.LastUsedAt, now);
        return (caller, null);
    }

    // Records a key's use at most once a minute per process.
    private void Touch(string keyId, DateTimeOffset? storedLastUsed, DateTimeOffset now)
    {
        bool seen = _touched.TryGetValue(keyId, out var lastTouched);
        lastTouched = seen ? lastTouched : storedLastUsed ?? DateTimeOffset.MinValue;
        // Only the request that wins the swap writes, so concurrent requests make one update, not many.
        if (now - lastTouched > TouchInterval && (seen ? _touched.TryUpdate(keyId, now, lastTouched) : _touched.TryAdd(keyId, now)))
        {
            // Best effort and off the request's path: last-used is for operators, a missed update costs nothing.
            _ = TouchAsync(keyId, now);
        }
    }

    private Task RecordAsync(string actor, string action, string target, string? note, CancellationToken cancellationToken) =>
        audit.AppendAsync(
            new AuditEventDraft(time.GetUtcNow(), actor, action, target, "ok", note is null ? null : new System.Text.Json.Nodes.JsonObject { ["note"] = note }.ToJsonString()),
            cancellationToken);

    private async Task TouchAsync(string keyId, DateTimeOffset usedAt)
    {
        try
        {
            await keys.TouchLastUsedAsync(keyId, usedAt, CancellationToken.None);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // The database is busy or away; the next use records it.
        }
    }

    private async Task<ApiKeyRecord?> FindRecordAsync(string idOrPrefix, CancellationToken cancellationToken) =>
        await keys.GetAsync(idOrPrefix, cancellationToken)
        ?? (ApiKeyFormat.LooksLikeKey(idOrPrefix) ? await keys.FindByPrefixAsync(idOrPrefix.Split('_', 3) is [_, var id, ..] ? $"{ApiKeyFormat.Marker}{id}" : idOrPrefix, cancellationToken) : null);

    private static (string Key, string Prefix, string Hash) Adopt(string key) =>
        ApiKeyFormat.TryParse(key, out var prefix, out var secret)
            ? (key, prefix, ApiKeyFormat.Hash(secret))
            : throw new ArgumentException($"The supplied key is not a Switchboard API key: it must look like {ApiKeyFormat.Marker}<12 letters or digits>_<43 letters or digits>; generate one with 'switchboard keys create'.");

    private static bool BuiltInRoles(string role) => Policy.BuiltInRoles.All.ContainsKey(role);

    private async Task<ApiKeyInfo> DescribeAsync(ApiKeyRecord record, CancellationToken cancellationToken)
    {
        var principal = await principals.GetAsync(record.PrincipalId, cancellationToken);
        return Describe(record, principal?.Name ?? record.PrincipalId, await principals.GetRoleNamesAsync(record.PrincipalId, cancellationToken));
    }

    private static ApiKeyInfo Describe(ApiKeyRecord record, string principal, IReadOnlyList<string> roles) =>
        new(record.Id, record.Name, record.Prefix, principal, roles, record.CreatedAt, record.ExpiresAt, record.RevokedAt, record.LastUsedAt);

    private static string NewId() => Guid.CreateVersion7().ToString("N");

    // Secret is the one that verified against the stored hash under Version; it lives as long as the entry, in the
    // memory of the process that was handed it in a header anyway.
    private sealed record VerifiedKey(long Version, string Secret, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, ApiKeyCaller Caller);

    /// <summary>What is cached per principal for the hot path.</summary>
    public sealed record KeyHolder(string Name, string[] Roles)
    {
        private AccessPrincipal? _access;

        /// <summary>The holder as the access path sees it, built on first use and kept with the cached entry.</summary>
        [JsonIgnore]
        public AccessPrincipal Access => _access ??= new(Name, new RoleSet(Roles));
    }
}
