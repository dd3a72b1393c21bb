using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Encoding;

/// <summary>Hash algorithms the hash and HMAC tools offer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HashAlgorithmKind>))]
internal enum HashAlgorithmKind
{
    [JsonStringEnumMemberName("sha256")] Sha256,
    [JsonStringEnumMemberName("sha384")] Sha384,
    [JsonStringEnumMemberName("sha512")] Sha512,
    [JsonStringEnumMemberName("sha1")] Sha1,
    [JsonStringEnumMemberName("md5")] Md5,
}

/// <summary>Message digests and HMACs.</summary>
[McpServerToolType]
internal static class HashTools
{
    private const string BrokenWarning = "not collision-resistant: use only for checksums or legacy interoperability, never for security (signatures, passwords, integrity against an attacker)";

    [McpServerTool(Name = "hash", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Computes a message digest of the input bytes. Algorithms: sha256 (default), sha384, sha512, sha1, md5. MD5 and SHA-1 are NOT cryptographically secure (collisions are practical); the result carries a warning when you pick them. Not for password storage.")]
    public static HashResult Hash(
        [Description("The data to hash, written as 'inputEncoding' says (UTF-8 text by default). At most 1 MiB.")] string input,
        [Description("Digest algorithm.")] HashAlgorithmKind algorithm = HashAlgorithmKind.Sha256,
        [Description("How 'input' is written: utf8 (text), hex, or base64/base64url (bytes).")] InputEncoding inputEncoding = InputEncoding.Utf8,
        [Description("How to write the digest: hex (lower-case), base64 or base64url.")] OutputEncoding outputEncoding = OutputEncoding.Hex)
    {
        Limits.RequireMember(algorithm, nameof(algorithm));
        Limits.RequireMember(inputEncoding, nameof(inputEncoding));
        Limits.RequireMember(outputEncoding, nameof(outputEncoding));
        byte[] data = ByteFormats.Decode(Limits.RequireLength(input, nameof(input)), inputEncoding, nameof(input));
        byte[] digest = algorithm switch
        {
            HashAlgorithmKind.Sha256 => SHA256.HashData(data),
            HashAlgorithmKind.Sha384 => SHA384.HashData(data),
            HashAlgorithmKind.Sha512 => SHA512.HashData(data),
            // SHA-1 and MD5 are offered for checksums and legacy interop, flagged in the answer.
#pragma warning disable CA5350, CA5351 // Weak algorithms on purpose: the caller chose them and the result warns.
            HashAlgorithmKind.Sha1 => SHA1.HashData(data),
            HashAlgorithmKind.Md5 => MD5.HashData(data),
#pragma warning restore CA5350, CA5351
            _ => throw new UnreachableException(),
        };

        return new HashResult(Name(algorithm), ByteFormats.Encode(digest, outputEncoding), data.Length, Warning(algorithm));
    }

    [McpServerTool(Name = "hmac", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Computes an HMAC (RFC 2104) of a message with a secret key, e.g. to check a webhook signature. Algorithms: sha256 (default), sha384, sha512, sha1, md5. Compare signatures you are given with the returned 'mac' exactly.")]
    public static HmacResult Hmac(
        [Description("The secret key, written as 'keyEncoding' says. Any length; at most 1 MiB.")] string key,
        [Description("The message, written as 'messageEncoding' says. At most 1 MiB.")] string message,
        [Description("Hash algorithm inside the HMAC.")] HashAlgorithmKind algorithm = HashAlgorithmKind.Sha256,
        [Description("How 'key' is written: utf8, hex, base64.")] InputEncoding keyEncoding = InputEncoding.Utf8,
        [Description("How 'message' is written: utf8, hex, base64.")] InputEncoding messageEncoding = InputEncoding.Utf8,
        [Description("How to write the MAC: hex (lower-case), base64 or base64url.")] OutputEncoding outputEncoding = OutputEncoding.Hex)
    {
        Limits.RequireMember(algorithm, nameof(algorithm));
        Limits.RequireMember(keyEncoding, nameof(keyEncoding));
        Limits.RequireMember(messageEncoding, nameof(messageEncoding));
        Limits.RequireMember(outputEncoding, nameof(outputEncoding));
        byte[] keyBytes = ByteFormats.Decode(Limits.RequireLength(key, nameof(key)), keyEncoding, nameof(key));
        byte[] data = ByteFormats.Decode(Limits.RequireLength(message, nameof(message)), messageEncoding, nameof(message));
        byte[] mac = algorithm switch
        {
            HashAlgorithmKind.Sha256 => HMACSHA256.HashData(keyBytes, data),
            HashAlgorithmKind.Sha384 => HMACSHA384.HashData(keyBytes, data),
            HashAlgorithmKind.Sha512 => HMACSHA512.HashData(keyBytes, data),
#pragma warning disable CA5350, CA5351 // HMAC-SHA1 and HMAC-MD5 still verify legacy signatures; the result warns.
            HashAlgorithmKind.Sha1 => HMACSHA1.HashData(keyBytes, data),
            HashAlgorithmKind.Md5 => HMACMD5.HashData(keyBytes, data),
#pragma warning restore CA5350, CA5351
            _ => throw new UnreachableException(),
        };

        string? warning = algorithm is HashAlgorithmKind.Md5 or HashAlgorithmKind.Sha1
            ? $"HMAC-{algorithm.ToString().ToUpperInvariant()} still verifies legacy signatures, but {algorithm.ToString().ToUpperInvariant()} is deprecated: use sha256 for new designs."
            : null;
        return new HmacResult("hmac-" + Name(algorithm), ByteFormats.Encode(mac, outputEncoding), warning);
    }

    private static string Name(HashAlgorithmKind algorithm) => algorithm.ToString().ToLowerInvariant();

    private static string? Warning(HashAlgorithmKind algorithm) => algorithm switch
    {
        HashAlgorithmKind.Md5 => "MD5 is non-cryptographic and " + BrokenWarning + ".",
        HashAlgorithmKind.Sha1 => "SHA-1 is " + BrokenWarning + ".",
        _ => null,
    };
}

/// <summary>A message digest.</summary>
/// <param name="Algorithm">The algorithm used.</param>
/// <param name="Digest">The digest in the requested encoding.</param>
/// <param name="InputBytes">How many bytes were hashed.</param>
/// <param name="Warning">Set for MD5 and SHA-1: they are not secure.</param>
internal sealed record HashResult(string Algorithm, string Digest, int InputBytes, string? Warning = null);

/// <summary>An HMAC.</summary>
/// <param name="Algorithm">The algorithm used, e.g. "hmac-sha256".</param>
/// <param name="Mac">The MAC in the requested encoding.</param>
/// <param name="Warning">Set for HMAC-MD5 and HMAC-SHA1: prefer SHA-256 for new designs.</param>
internal sealed record HmacResult(string Algorithm, string Mac, string? Warning = null);
