using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Mrtr;

/// <summary>
/// Seals the <c>requestState</c> of an input-required result (SEP-2322) so that the retried request, which may reach
/// any replica, can be trusted: <c>v1.{keyId}.{payload}.{mac}</c>, an HMAC-SHA256 over the rest with a key every
/// replica shares (<see cref="IRequestStateKeys"/>). The payload names its purpose (the tool that issued it) and an
/// expiry, so a state cannot be replayed against another tool or kept forever. It is signed, not encrypted: put
/// nothing secret in it.
/// </summary>
public sealed class RequestStateProtector(IRequestStateKeys keys, TimeProvider time)
{
    private const string Version = "v1";

    /// <summary>How long a sealed state is accepted.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>A protector with a random key of this process: for a server that runs as a single process (stdio).</summary>
    public static RequestStateProtector ForThisProcess { get; } = new(new ProcessRequestStateKeys(), TimeProvider.System);

    /// <summary>Seals <paramref name="data"/> for <paramref name="purpose"/>.</summary>
    public async ValueTask<string> ProtectAsync(string purpose, JsonNode? data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        var (keyId, key) = await keys.CurrentAsync(cancellationToken);
        var payload = new JsonObject
        {
            ["p"] = purpose,
            ["exp"] = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds(),
            ["d"] = data?.DeepClone(),
        };
        string signed = $"{Version}.{keyId}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}";
        return $"{signed}.{Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed)))}";
    }

    /// <summary>
    /// The data sealed in <paramref name="state"/> for <paramref name="purpose"/>; fails when the state was altered,
    /// made for another purpose, sealed with an unknown key, or has expired.
    /// </summary>
    public async ValueTask<RequestStateResult> UnprotectAsync(string purpose, string state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        ArgumentNullException.ThrowIfNull(state);
        string[] parts = state.Split('.');
        if (parts is not [Version, var keyId, var payloadText, var macText] || !Base64Url.IsValid(macText) || !Base64Url.IsValid(payloadText))
        {
            return RequestStateResult.Refused("requestState is not one this server issued");
        }

        if (await keys.FindAsync(keyId, cancellationToken) is not { } key)
        {
            return RequestStateResult.Refused("requestState was sealed with a key this server does not know");
        }

        byte[] expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(state[..state.LastIndexOf('.')]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url.DecodeFromChars(macText)))
        {
            return RequestStateResult.Refused("requestState failed its integrity check (it was altered)");
        }

        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(payloadText))!.AsObject();
        if (payload["p"]?.GetValue<string>() != purpose)
        {
            return RequestStateResult.Refused("requestState was issued for another request");
        }

        return payload["exp"]?.GetValue<long>() is long expires && DateTimeOffset.FromUnixTimeSeconds(expires) > time.GetUtcNow()
            ? RequestStateResult.Accepted(payload["d"])
            : RequestStateResult.Refused("requestState has expired; start the request again");
    }

    private sealed class ProcessRequestStateKeys : IRequestStateKeys
    {
        private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

        public ValueTask<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken) => ValueTask.FromResult((_id, _key));

        public ValueTask<byte[]?> FindAsync(string id, CancellationToken cancellationToken) => ValueTask.FromResult(id == _id ? _key : null);
    }
}

/// <summary>The keys that seal request state; every replica of a deployment must see the same ones.</summary>
public interface IRequestStateKeys
{
    /// <summary>The key new states are sealed with, and its id.</summary>
    ValueTask<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken);

    /// <summary>The key with this id, or null when there is none.</summary>
    ValueTask<byte[]?> FindAsync(string id, CancellationToken cancellationToken);
}

/// <summary>What <see cref="RequestStateProtector.UnprotectAsync"/> found: the sealed data, or why it was refused.</summary>
public readonly record struct RequestStateResult(bool IsValid, JsonNode? Data, string? Problem)
{
    /// <summary>The state checked out; here is its data.</summary>
    public static RequestStateResult Accepted(JsonNode? data) => new(true, data, null);

    /// <summary>The state is refused, for <paramref name="problem"/>.</summary>
    public static RequestStateResult Refused(string problem) => new(false, null, problem);
}
