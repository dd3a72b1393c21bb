using ModelContextProtocol;

namespace Switchboard.Errors;

/// <summary>
/// Every JSON-RPC error code Switchboard itself puts in an answer, in one place. The standard ones are JSON-RPC 2.0
/// §5.1's and MCP's; the others are Switchboard's own, in the range §5.1 leaves to implementations (-32000 to
/// -32099), chosen to echo the HTTP status a REST client would get (-32003 ↔ 403, -32029 ↔ 429, -32053 ↔ 503).
/// </summary>
/// <remarks>
/// The MCP SDK answers some requests itself, with codes not listed here: <c>-32601</c> for an unknown method,
/// <c>-32602</c> for an unknown tool or prompt or malformed parameters, <c>-32022</c> for an unsupported protocol
/// version. The README's "Errors you may see" table lists what a client meets, from either source.
/// </remarks>
public static class SwitchboardErrorCodes
{
    /// <summary>The request body is not JSON (HTTP 400).</summary>
    public const McpErrorCode ParseError = McpErrorCode.ParseError;

    /// <summary>
    /// The body is JSON but not a JSON-RPC 2.0 request, is over <c>Gateway:MaxRequestBodyBytes</c> (HTTP 413), carries
    /// a <c>Host</c> or <c>Origin</c> that is not allowed (HTTP 403), or belongs to a session opened on another endpoint.
    /// </summary>
    public const McpErrorCode InvalidRequest = McpErrorCode.InvalidRequest;

    /// <summary>
    /// A request's parameters are missing or malformed (an <c>initialize</c> checked against the SDK's schema at the
    /// edge), or name nothing Switchboard serves (a completion's prompt, a subscription's URI).
    /// </summary>
    public const McpErrorCode InvalidParams = McpErrorCode.InvalidParams;

    /// <summary>A subscription names a resource no server in the view owns.</summary>
    public const McpErrorCode ResourceNotFound = McpErrorCode.ResourceNotFound;

    /// <summary>
    /// Permission denied: the caller is authenticated but its roles do not grant the request (HTTP 403). The message
    /// names what was missing. Also the answer for a tool, prompt or resource that does not exist when the caller's
    /// roles would not grant it, so a refusal never tells whether it exists.
    /// </summary>
    public const McpErrorCode PermissionDenied = (McpErrorCode)(-32003);

    /// <summary>
    /// Rate limited: the caller is over a tool-call limit, or its address over the failed-authentication limit (HTTP
    /// 429); <c>error.data.retryAfterSeconds</c> says when to try again, <c>error.data.limit</c> which limit it was.
    /// </summary>
    public const McpErrorCode RateLimited = (McpErrorCode)(-32029);

    /// <summary>
    /// Switchboard's database is unavailable, so the request could not be completed or its audit event written (HTTP
    /// 503); <c>error.data.retryAfterSeconds</c> says when to try again.
    /// </summary>
    public const McpErrorCode StorageUnavailable = (McpErrorCode)(-32053);

    /// <summary>
    /// A remote server could not be reached or failed to answer (HTTP 502's counterpart): <c>error.data.server</c>
    /// names it, <c>error.data.reason</c> says why (<c>unreachable</c>, <c>circuit-open</c>, <c>failed</c>),
    /// <c>error.data.breakerState</c> gives its circuit, and a refusal by an open circuit carries
    /// <c>error.data.retryAfterSeconds</c>. See <c>docs/federation.md</c>.
    /// </summary>
    public const McpErrorCode UpstreamUnavailable = (McpErrorCode)(-32052);

    /// <summary>
    /// A remote server did not answer within its <c>Servers:{name}:Timeout</c> (HTTP 504's counterpart);
    /// <c>error.data.reason</c> is <c>timeout</c>.
    /// </summary>
    public const McpErrorCode UpstreamTimeout = (McpErrorCode)(-32054);

    /// <summary>
    /// A remote server has too many calls from this gateway in progress and its queue is full, or the call waited its
    /// whole timeout for a slot (<c>Servers:{name}:Concurrency</c>). The upstream was not called, so trying again is
    /// safe; <c>error.data.reason</c> is <c>busy</c> and <c>error.data.retryAfterSeconds</c> says when. Its own code
    /// because a client should back off and retry, not give the server up (-32053 is the storage's 503).
    /// </summary>
    public const McpErrorCode UpstreamBusy = (McpErrorCode)(-32055);

    /// <summary>
    /// A remote tool's definition changed since it was first seen and pinned (HTTP 423 Locked's counterpart): it is
    /// quarantined, left out of lists and refused, until an administrator approves the change
    /// (<c>switchboard servers approve</c>). <c>error.data</c> carries <c>server</c>, <c>tool</c> and
    /// <c>reason: "quarantined"</c>. See <c>docs/federation.md</c>.
    /// </summary>
    public const McpErrorCode ToolQuarantined = (McpErrorCode)(-32023);

    /// <summary>How long clients are told to wait when the database is unavailable, in <c>Retry-After</c> and <c>retryAfterSeconds</c>.</summary>
    public const int StorageRetryAfterSeconds = 5;
}
