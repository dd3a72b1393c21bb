using ModelContextProtocol;

namespace Switchboard.Gateway.Access;

/// <summary>
/// JSON-RPC error codes of our own, in the range JSON-RPC 2.0 §5.1 leaves to implementations (-32000 to -32099),
/// chosen to echo the HTTP status a REST client would get.
/// </summary>
public static class GatewayErrorCodes
{
    /// <summary>The caller is authenticated but its roles do not grant the request (HTTP 403).</summary>
    public const McpErrorCode Forbidden = (McpErrorCode)(-32003);

    /// <summary>The caller is over a tool-call limit; <c>error.data.retryAfterSeconds</c> says when to try again (HTTP 429).</summary>
    public const McpErrorCode RateLimited = (McpErrorCode)(-32029);

    /// <summary>
    /// Switchboard's database is unavailable, so the request could not be completed (HTTP 503);
    /// <c>error.data.retryAfterSeconds</c> says when to try again.
    /// </summary>
    public const McpErrorCode StorageUnavailable = (McpErrorCode)(-32053);
}
