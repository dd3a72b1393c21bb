using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Access.Identity;

/// <summary>
/// Switchboard API keys: <c>sbk_{id}_{secret}</c>. The <c>sbk_</c> start lets secret scanners recognise a leaked key;
/// <c>sbk_{id}</c> is the public prefix the key is found by; only a SHA-256 hash of the 256-bit random secret is
/// stored. A fast hash is right here: the secret is random, not a password, so there is nothing to guess.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>What every key starts with.</summary>
    public const string Marker = "sbk_";

    private const int IdLength = 12;
    private const int SecretBytes = 32;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new key: its full text (shown once) with its public prefix and the hash to store.</summary>
    public static (string Key, string Prefix, string Hash) Generate()
    {
        string prefix = Marker + RandomString(IdLength);
        string secret = RandomString(43); // 43 base-62 characters carry 256 bits
        return ($"{prefix}_{secret}", prefix, Hash(secret));
    }

    /// <summary>Whether <paramref name="text"/> looks like a Switchboard key (it may still be unknown).</summary>
    public static bool LooksLikeKey(string? text) => text is not null && text.StartsWith(Marker, StringComparison.Ordinal);

    /// <summary>Splits a key into its public prefix and secret.</summary>
    public static bool TryParse(string key, [NotNullWhen(true)] out string? prefix, [NotNullWhen(true)] out string? secret)
    {
        prefix = secret = null;
        if (!LooksLikeKey(key) || key.Length != Marker.Length + IdLength + 1 + 43 || key[Marker.Length + IdLength] != '_')
        {
            return false;
        }

        prefix = key[..(Marker.Length + IdLength)];
        secret = key[(Marker.Length + IdLength + 1)..];
        return prefix.AsSpan(Marker.Length).ContainsAnyExcept(Alphabet) is false && !secret.AsSpan().ContainsAnyExcept(Alphabet);
    }

    /// <summary>
    /// Splits a key into its public prefix and secret without copying them: the hot path looks a key up by its prefix
    /// span and compares its secret span, allocating nothing.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> key, out ReadOnlySpan<char> prefix, out ReadOnlySpan<char> secret)
    {
        prefix = secret = default;
        if (!key.StartsWith(Marker, StringComparison.Ordinal) || key.Length != Marker.Length + IdLength + 1 + 43 || key[Marker.Length + IdLength] != '_')
        {
            return false;
        }

        prefix = key[..(Marker.Length + IdLength)];
        secret = key[(Marker.Length + IdLength + 1)..];
        return !prefix[Marker.Length..].ContainsAnyExcept(Alphabet) && !secret.ContainsAnyExcept(Alphabet);
    }

    /// <summary>Whether two secrets are the same, in time that does not depend on where they differ.</summary>
    public static bool SameSecret(ReadOnlySpan<char> presented, ReadOnlySpan<char> known) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(presented), MemoryMarshal.AsBytes(known));

    /// <summary>The stored form of a secret: lower-case hex SHA-256.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Matches(string secret, string storedHash)
    {
        // On the stack: this runs for every request that presents a key.
        int maxBytes = Encoding.UTF8.GetMaxByteCount(secret.Length);
        Span<byte> utf8 = maxBytes <= 256 ? stackalloc byte[256] : new byte[maxBytes];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(secret, utf8)], hash);
        Convert.TryToHexStringLower(hash, hex, out _);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes<char>(hex), MemoryMarshal.AsBytes(storedHash.AsSpan()));
    }

    private static string RandomString(int length) => RandomNumberGenerator.GetString(Alphabet, length);
}
