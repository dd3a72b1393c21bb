using System.Security.Cryptography;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Identity;

/// <summary>
/// The HMAC secrets every replica reads from the database, behind service tokens and sealed MCP <c>requestState</c>.
/// Held in this process only: the secrets never go to Redis. Keys are only ever added, so a key id this replica does
/// not hold reloads the list, at most once per <see cref="ReloadInterval"/>, so that forged ids cannot send every
/// request to the database.
/// </summary>
public sealed class SigningKeyRing(ISigningKeyStore store, TimeProvider time)
{
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(10);
    private IReadOnlyList<SigningKey>? _keys;
    private long _lastReloadTicks;

    /// <summary>The keys this replica holds, oldest first (the oldest signs).</summary>
    public async Task<IReadOnlyList<SigningKey>> KeysAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _keys) ?? await LoadAsync(cancellationToken);

    /// <summary>The keys as the database has them now, or null when the last reload was too recent.</summary>
    public async Task<IReadOnlyList<SigningKey>?> ReloadAsync(CancellationToken cancellationToken) =>
        ShouldReload() ? await LoadAsync(cancellationToken) : null;

    /// <summary>The key named <paramref name="id"/>, reloading once if another replica may have made it since.</summary>
    public async Task<SigningKey?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var key = (await KeysAsync(cancellationToken)).FirstOrDefault(k => k.Id == id);
        if (key is null && await ReloadAsync(cancellationToken) is { } reloaded)
        {
            key = reloaded.FirstOrDefault(k => k.Id == id);
        }

        return key;
    }

    /// <summary>The key that signs, made on first use. Replicas racing on a fresh database both insert; every replica accepts both.</summary>
    public async Task<SigningKey> CurrentAsync(CancellationToken cancellationToken)
    {
        var keys = await KeysAsync(cancellationToken);
        if (keys.Count > 0)
        {
            return keys[0];
        }

        await store.CreateAsync(new SigningKey(Guid.NewGuid().ToString("N"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), time.GetUtcNow()), cancellationToken);
        return (await LoadAsync(cancellationToken))[0];
    }

    private async Task<IReadOnlyList<SigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(cancellationToken);
        Volatile.Write(ref _keys, keys);
        return keys;
    }

    private bool ShouldReload()
    {
        long now = time.GetUtcNow().UtcTicks;
        long last = Interlocked.Read(ref _lastReloadTicks);
        return now - last > ReloadInterval.Ticks && Interlocked.CompareExchange(ref _lastReloadTicks, now, last) == last;
    }
}
