using System.Security.Cryptography;
using System.Text;
using Switchboard.Access.Identity;
using Switchboard.Mrtr;
using Switchboard.Storage.Model;

namespace Switchboard.Gateway.Mrtr;

/// <summary>
/// The keys that seal <c>requestState</c>, derived (HKDF-SHA256, with a label of their own) from the signing keys
/// every replica already reads from the database, so a retry that reaches another replica is verified there. The
/// derived key is never the service-token key itself, so neither can stand in for the other.
/// </summary>
internal sealed class SigningKeyRequestStateKeys(SigningKeyRing signingKeys) : IRequestStateKeys
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("switchboard/mcp-request-state/v1");

    public async ValueTask<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken)
    {
        var key = await signingKeys.CurrentAsync(cancellationToken);
        return (key.Id, Derive(key));
    }

    public async ValueTask<byte[]?> FindAsync(string id, CancellationToken cancellationToken) =>
        await signingKeys.FindAsync(id, cancellationToken) is { } key ? Derive(key) : null;

    private static byte[] Derive(SigningKey key) => HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(key.Secret), 32, salt: [], info: Label);
}
