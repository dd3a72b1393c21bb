using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Switchboard.Gateway.Http;

/// <summary>
/// The requests the SDK's Streamable HTTP handler refuses for the session mode, refused first with a message in
/// Switchboard's terms (<c>Gateway:Sessions</c>): the SDK's own texts name its types and settings, which a gateway
/// client cannot change. The conditions mirror the SDK's (<c>StreamableHttpHandler.GetOrCreateSessionAsync</c>).
/// </summary>
internal static class SessionRules
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";

    // The first revision without sessions, and the ones before it that open sessions with initialize.
    private const string FirstSessionlessRevision = "2026-07-28";
    private static readonly string[] SessionRevisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    // Made once, read-only, and shared by every request (issue 18's profile: two were made per request and Accept value).
    private static readonly MediaTypeHeaderValue Json = new MediaTypeHeaderValue("application/json").CopyAsReadOnly();
    private static readonly MediaTypeHeaderValue EventStream = new MediaTypeHeaderValue("text/event-stream").CopyAsReadOnly();

    /// <summary>
    /// Why <paramref name="request"/> cannot be served in <paramref name="mode"/>, or null when it can;
    /// <paramref name="method"/> is the JSON-RPC method of a POST body, null for GET and DELETE.
    /// </summary>
    public static string? Refusal(HttpRequest request, GatewaySessionMode mode, string? method)
    {
        bool hasSession = !string.IsNullOrEmpty(request.Headers[SessionHeader]);
        if (mode == GatewaySessionMode.Stateless)
        {
            return hasSession
                ? "this gateway keeps no sessions (Gateway:Sessions is Stateless); send requests without an Mcp-Session-Id header"
                : null;
        }

        if (hasSession || !IsSessionRevision(request) || !AcceptsBoth(request))
        {
            // A session for the SDK to look up, a sessionless (or unsupported) revision the SDK serves (or refuses
            // with the supported list), or a client the SDK answers 406 first.
            return null;
        }

        if (method is null)
        {
            return $"{request.Method} needs the Mcp-Session-Id of a session opened with initialize; clients of protocol {FirstSessionlessRevision} only POST";
        }

        return method == "initialize"
            ? null
            : $"'{method}' came without an Mcp-Session-Id: open a session with initialize first, or send {ProtocolVersionHeader}: {FirstSessionlessRevision} to be served without one";
    }

    /// <summary>
    /// The protocol version a sessionless request asks for when this gateway does not speak it, or null. The SDK
    /// would refuse it too, but list every revision it knows, including those only reachable through initialize;
    /// a sessionless client must be told the ones it can use, the same list <c>server/discover</c> gives.
    /// </summary>
    public static string? UnsupportedSessionlessVersion(HttpRequest request) =>
        string.IsNullOrEmpty(request.Headers[SessionHeader]) && request.Headers[ProtocolVersionHeader].ToString() is { Length: > 0 } version
            && version != FirstSessionlessRevision && !SessionRevisions.Contains(version)
            ? version
            : null;

    /// <summary>The revisions a sessionless client can speak here.</summary>
    public static IReadOnlyList<string> SessionlessRevisions { get; } = [FirstSessionlessRevision];

    /// <summary>Whether <paramref name="request"/> is of a revision in which every request is self-describing (no initialize).</summary>
    public static bool IsSessionlessRevision(HttpRequest request) =>
        string.CompareOrdinal(request.Headers[ProtocolVersionHeader].ToString(), FirstSessionlessRevision) >= 0;

    // No header means a session-based client (they send it only after initialize).
    private static bool IsSessionRevision(HttpRequest request) =>
        request.Headers[ProtocolVersionHeader].ToString() is var version && (version.Length == 0 || SessionRevisions.Contains(version));

    private static bool AcceptsBoth(HttpRequest request)
    {
        if (HttpMethods.IsDelete(request.Method))
        {
            return true;
        }

        bool json = false, events = false;
        foreach (var accepted in request.GetTypedHeaders().Accept)
        {
            json |= Json.IsSubsetOf(accepted);
            events |= EventStream.IsSubsetOf(accepted);
        }

        return HttpMethods.IsGet(request.Method) ? events : json && events;
    }
}
