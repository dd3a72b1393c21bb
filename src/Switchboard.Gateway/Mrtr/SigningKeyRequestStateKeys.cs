using System.Security.Cryptography;
using System.Text;
using Switchboard.Mrtr;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Mrtr;

/// <summary>
/// The keys that seal <c>requestState</c>, derived (HKDF-SHA256, with a label of their own) from the signing keys
/// every replica already reads from the database, so a retry that reaches another replica is verified there. The
/// derived key is never the service-token key itself, so neither can stand in for the other.
/// </summary>
internal sealed class SigningKeyRequestStateKeys(ISigningKeyStore signingKeys, TimeProvider time) : IRequestStateKeys
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("switchboard/mcp-request-state/v1");
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(10);

    // Keys are only ever added: a state naming a key this replica has not seen reloads the list, at most once per
    // interval, so forged key ids cannot send every request to the database.
    private IReadOnlyList<SigningKey>? _keys;
    private long _lastReloadTicks;

    public async ValueTask<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken)
    {
        var keys = await KeysAsync(reload: false, cancellationToken);
        if (keys.Count == 0)
        {
            // The first state ever sealed on a fresh database: make the shared key. Replicas racing both insert,
            // and every replica accepts both (the oldest seals).
            await signingKeys.CreateAsync(new SigningKey(Guid.NewGuid().ToString("N"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), time.GetUtcNow()), cancellationToken);
            keys = await KeysAsync(reload: true, cancellationToken);
        }

        return (keys[0].Id, Derive(keys[0]));
    }

    public async ValueTask<byte[]?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var key = (await KeysAsync(reload: false, cancellationToken)).FirstOrDefault(k => k.Id == id);
        if (key is null && ShouldReload())
        {
            key = (await KeysAsync(reload: true, cancellationToken)).FirstOrDefault(k => k.Id == id);
        }

        return key is null ? null : Derive(key);
    }

    private static byte[] Derive(SigningKey key) => HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(key.Secret), 32, salt: [], info: Label);

    private async Task<IReadOnlyList<SigningKey>> KeysAsync(bool reload, CancellationToken cancellationToken)
    {
        if (reload || Volatile.Read(ref _keys) is null)
        {
            Volatile.Write(ref _keys, await signingKeys.ListAsync(cancellationToken));
        }

        return Volatile.Read(ref _keys)!;
    }

    private bool ShouldReload()
    {
        long now = time.GetUtcNow().UtcTicks;
        long last = Interlocked.Read(ref _lastReloadTicks);
        return now - last > ReloadInterval.Ticks && Interlocked.CompareExchange(ref _lastReloadTicks, now, last) == last;
    }
}
