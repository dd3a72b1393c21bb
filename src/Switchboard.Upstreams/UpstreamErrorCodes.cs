using ModelContextProtocol;

namespace Switchboard.Upstreams;

/// <summary>The JSON-RPC errors a client gets when a remote server cannot answer (see <c>docs/federation.md</c>).</summary>
public static class UpstreamErrorCodes
{
    /// <summary>
    /// The remote server could not be reached or failed to answer (HTTP 502's counterpart): <c>error.data.server</c>
    /// names it, <c>error.data.reason</c> says why (<c>unreachable</c>, <c>circuit-open</c>, <c>failed</c>), and a
    /// refusal by an open circuit carries <c>error.data.retryAfterSeconds</c>.
    /// </summary>
    public const McpErrorCode UpstreamUnavailable = (McpErrorCode)(-32052);

    /// <summary>The remote server did not answer within its <c>Servers:{name}:Timeout</c> (HTTP 504's counterpart); <c>error.data.reason</c> is <c>timeout</c>.</summary>
    public const McpErrorCode UpstreamTimeout = (McpErrorCode)(-32054);
}
