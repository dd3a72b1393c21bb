namespace Switchboard.Gateway.Identity;

/// <summary>The <c>reason</c> label of <c>switchboard.auth.failures</c> (docs/observability.md).</summary>
internal static class AuthFailureReasons
{
    public const string Missing = "missing";
    public const string Invalid = "invalid";
    public const string Expired = "expired";
    public const string Revoked = "revoked";
    public const string Forbidden = "forbidden";

    /// <summary>The reason word for a refused credential, from the handler's failure message (never shown: it may quote the caller).</summary>
    public static string Of(string failure) =>
        failure.Contains("revoked", StringComparison.OrdinalIgnoreCase) ? Revoked
        : failure.Contains("expired", StringComparison.OrdinalIgnoreCase) ? Expired
        : Invalid;
}
