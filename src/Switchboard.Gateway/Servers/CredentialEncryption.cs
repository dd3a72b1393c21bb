using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Switchboard.Storage;

namespace Switchboard.Gateway.Servers;

/// <summary>
/// Keys that encrypt the credentials of stored servers (section <c>CredentialEncryption</c>); from secret
/// configuration, the same on every replica. See docs/federation.md, "Upstream credentials encrypted at rest".
/// </summary>
public sealed class CredentialEncryptionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "CredentialEncryption";

    /// <summary>Key id → 32 random bytes in base64 (<c>openssl rand -base64 32</c>). Old keys stay here to read older rows.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The key id new values are encrypted with; required when <see cref="Keys"/> holds more than one.</summary>
    public string? CurrentKey { get; set; }
}

/// <summary>
/// Encrypts and decrypts the credential values of stored servers (header values, environment values) with AES-256-GCM.
/// A stored value reads <c>sbenc:v1:{key id}:{base64 of nonce, cipher text, tag}</c>; the server's name and the
/// value's place (<c>headers/Authorization</c>) are authenticated with it, so a value copied into another row or
/// field does not decrypt. A value without the prefix is a row written before encryption and is read as it is.
/// </summary>
/// <remarks>
/// Without configured keys, a gateway whose database is the SQLite file in its data folder (the embedded default)
/// makes a key of its own, <c>credentials.key</c> beside the database (mode 0600), on first use: it survives restarts,
/// and every command using that folder shares it. A database named by a connection string may be shared by replicas
/// on other machines, so there credentials are refused until <c>CredentialEncryption:Keys</c> is configured.
/// </remarks>
public sealed class CredentialProtector
{
    private const string Prefix = "sbenc:v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const string LocalKeyId = "local";
    private const string LocalKeyFile = "credentials.key";

    private readonly Lazy<(string? CurrentId, Dictionary<string, byte[]> Keys, string? Missing)> _keys;

    /// <summary>Reads the keys on first use: configured ones, else (for the embedded default) the data folder's own.</summary>
    public CredentialProtector(IOptions<CredentialEncryptionOptions> options, IOptions<StorageOptions> storage)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        _keys = new(() => Load(options.Value, storage.Value));
    }

    /// <summary>The stored form of <paramref name="value"/>, the credential at <paramref name="place"/> of server <paramref name="server"/>.</summary>
    /// <exception cref="ServerChangeException">No key is configured where one is needed.</exception>
    public string Protect(string server, string place, string value)
    {
        var (currentId, keys, missing) = _keys.Value;
        if (currentId is null)
        {
            throw new ServerChangeException(missing!);
        }

        byte[] plain = Encoding.UTF8.GetBytes(value);
        byte[] sealedValue = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys[currentId], TagBytes);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceBytes, plain.Length), sealedValue.AsSpan(NonceBytes + plain.Length), Context(server, place));
        return $"{Prefix}{currentId}:{Convert.ToBase64String(sealedValue)}";
    }

    /// <summary>The credential <paramref name="stored"/> holds; a value stored before encryption comes back as it is.</summary>
    /// <exception cref="CryptographicException">The key it names is not configured, or the value was altered.</exception>
    public string Unprotect(string server, string place, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        int colon = stored.IndexOf(':', Prefix.Length);
        string keyId = colon < 0 ? string.Empty : stored[Prefix.Length..colon];
        if (!_keys.Value.Keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"The credentials of server '{server}' were encrypted with key '{keyId}', which is not in CredentialEncryption:Keys.");
        }

        byte[] sealedValue = Convert.FromBase64String(stored[(colon + 1)..]);
        if (sealedValue.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException($"A stored credential of server '{server}' is truncated.");
        }

        byte[] plain = new byte[sealedValue.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedValue.AsSpan(0, NonceBytes), sealedValue.AsSpan(NonceBytes, plain.Length), sealedValue.AsSpan(NonceBytes + plain.Length), plain, Context(server, place));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Whether <paramref name="stored"/> is encrypted (and not a row written before encryption).</summary>
    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    private static byte[] Context(string server, string place) => Encoding.UTF8.GetBytes($"switchboard/server-credential/{server}/{place}");

    /// <summary>What is wrong with the configured keys, each naming the key to fix.</summary>
    internal static IEnumerable<string> Problems(CredentialEncryptionOptions options)
    {
        const string Section = CredentialEncryptionOptions.SectionName;
        foreach (var (id, base64) in options.Keys)
        {
            if (TryKey(base64) is null)
            {
                yield return $"{Section}:Keys:{id} is not 32 bytes in base64; make one with 'openssl rand -base64 32'.";
            }
        }

        if (options.CurrentKey is null && options.Keys.Count > 1)
        {
            yield return $"{Section}:CurrentKey must name one of the {options.Keys.Count} keys: the one new credentials are encrypted with.";
        }
        else if (options.CurrentKey is { } current && !options.Keys.ContainsKey(current))
        {
            yield return $"{Section}:CurrentKey is '{current}', which is not in {Section}:Keys.";
        }
    }

    private static (string?, Dictionary<string, byte[]>, string?) Load(CredentialEncryptionOptions options, StorageOptions storage)
    {
        var keys = options.Keys.ToDictionary(k => k.Key, k => TryKey(k.Value)!, StringComparer.Ordinal);
        if (keys.Count > 0)
        {
            return (options.CurrentKey ?? keys.Keys.Single(), keys, null);
        }

        if (!storage.UsesDataDirectory)
        {
            return (null, keys, $"Credentials (headers, env) cannot be stored: the database may be shared by several replicas, so set {CredentialEncryptionOptions.SectionName}:Keys (the same on every replica) to encrypt them.");
        }

        keys[LocalKeyId] = LocalKey(Path.Combine(storage.EffectiveDataDirectory, LocalKeyFile));
        return (LocalKeyId, keys, null);
    }

    private static byte[]? TryKey(string base64)
    {
        byte[] key = new byte[32];
        return Convert.TryFromBase64String(base64, key, out int written) && written == 32 ? key : null;
    }

    // Made once, readable by the gateway's user only; two processes racing to make it settle on the first one written.
    private static byte[] LocalKey(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = $"{path}.{Environment.ProcessId}.tmp";
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temporary, create))
            {
                file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        return TryKey(File.ReadAllText(path).Trim()) ?? throw new InvalidOperationException($"{path} does not hold a 32-byte key in base64; restore it from backup (credentials stored with it cannot be read without it).");
    }
}

/// <summary>Checks <see cref="CredentialEncryptionOptions"/> at start.</summary>
internal sealed class CredentialEncryptionOptionsValidator : IValidateOptions<CredentialEncryptionOptions>
{
    public ValidateOptionsResult Validate(string? name, CredentialEncryptionOptions options)
    {
        var problems = CredentialProtector.Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
