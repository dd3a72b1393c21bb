using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Hosting;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Serves the common requests that the SDK serves statelessly on a pooled server (<see cref="SessionlessServerPool"/>)
/// instead of one the SDK builds per POST, and parses the body once instead of twice: sessionless 2026-07-28 requests,
/// and 2025-11-25 requests without a session when the SDK keeps none (<see cref="HttpServerSessionMode.Stateless"/>,
/// <c>Gateway:Sessions=Stateless</c>). It takes a request only when it can tell that the SDK's handler
/// (<c>StreamableHttpHandler.HandlePostRequestAsync</c> in 2.4.0) would accept it and serve it statelessly, then does
/// what that handler does; anything else, or in doubt, goes on to the SDK, which answers as it always has. The checks
/// below are the handler's, in its order.
/// </summary>
internal sealed class SessionlessFastPath
{
    private const string SessionlessRevision = "2026-07-28";
    private const string StatelessRevision = "2025-11-25";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";
    private const string ProtocolVersionMeta = "io.modelcontextprotocol/protocolVersion";
    private const string ClientCapabilitiesMeta = "io.modelcontextprotocol/clientCapabilities";

    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.ProtocolOptions.GetTypeInfo(typeof(JsonRpcMessage));

    // The methods taken, with the params member that Mcp-Name must mirror (SEP-2243), or "" for none. Each is served
    // the same by any server of a view and revision: none depends on what an earlier request left in the server.
    // server/discover is not among them (its capabilities are fixed when a server is built); neither are initialize
    // (on 2025-11-25 it sets the server's client), the methods the SDK refuses on 2026-07-28 (initialize, ping,
    // logging/setLevel, resources/subscribe and unsubscribe) nor tasks/*.
    private static readonly FrozenDictionary<string, string> AllMethods = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RequestMethods.ToolsCall] = "name",
        [RequestMethods.PromptsGet] = "name",
        [RequestMethods.ResourcesRead] = "uri",
        [RequestMethods.ToolsList] = "",
        [RequestMethods.PromptsList] = "",
        [RequestMethods.ResourcesList] = "",
        [RequestMethods.ResourcesTemplatesList] = "",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly SearchValues<char> FieldValueChars = SearchValues.Create("\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private readonly SessionlessServerPool _pool;
    private readonly DirectToolCall _direct;
    private readonly IOptions<McpServerOptions> _sdkOptions;
    private readonly bool _sdkKeepsNoSessions;
    private readonly FrozenDictionary<string, string> _methods;
    private volatile string? _lastAccepted;

    public SessionlessFastPath(SessionlessServerPool pool, DirectToolCall direct, IOptions<McpServerOptions> sdkOptions, IOptions<HttpServerTransportOptions> transportOptions)
    {
        (_pool, _direct, _sdkOptions) = (pool, direct, sdkOptions);
        // Both fixed at start: the SDK's handler reads the same option values on every request.
        _sdkKeepsNoSessions = transportOptions.Value.SessionMode == HttpServerSessionMode.Stateless;
        // A custom handler of a list method may name a routing parameter, which the SDK checks: the SDK serves those.
#pragma warning disable MCPEXP002 // read only, to see whether the SDK would make a check this path does not
        var customHandled = sdkOptions.Value.RequestHandlers?.Select(h => h.Method).ToHashSet(StringComparer.Ordinal) ?? [];
#pragma warning restore MCPEXP002
        _methods = AllMethods.Where(m => m.Value.Length > 0 || !customHandled.Contains(m.Key)).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Serves <paramref name="body"/>, a valid JSON-RPC message calling <paramref name="method"/> (checked by
    /// <see cref="JsonRpcValidationMiddleware"/>); false, having written nothing, when the SDK is to serve it.
    /// </summary>
    public async ValueTask<bool> TryServeAsync(HttpContext context, string? method, ReadOnlyMemory<byte> body)
    {
        var headers = context.Request.Headers;
        if (method is null || !_methods.TryGetValue(method, out var routingName)
            || StatelesslyServedRevision(headers[ProtocolVersionHeader].ToString()) is not { } revision
            || !string.IsNullOrEmpty(headers["Mcp-Session-Id"])
            || !AcceptsJsonAndEventStream(context.Request)
            || _sdkOptions.Value.ProtocolVersion is not null
            || Parse(body.Span) is not { Method: var bodyMethod } request || bodyMethod != method
            // The SDK checks _meta and the Mcp-* headers only from 2026-07-28 on.
            || revision == SessionlessRevision && (!HasProtocolMeta(request) || !HeadersMatch(headers, request, routingName)))
        {
            return false;
        }

        // As the SDK's ReadJsonRpcMessageAsync: the caller and the header's version travel with the message.
        var messageContext = request.Context ??= new JsonRpcMessageContext();
        if (context.User.Identities.Any(static i => i.IsAuthenticated))
        {
            messageContext.User = context.User;
        }

        messageContext.ProtocolVersion = revision;

        var server = _pool.Rent(GatewayServiceCollectionExtensions.ResolveView(context), revision);
        bool reusable = false;
        try
        {
            if (revision == SessionlessRevision && method == RequestMethods.ToolsCall && await _direct.TryServeAsync(context, server, request))
            {
                reusable = true;
                return true;
            }

            context.Features.Set(server.Server);
            InitializeSseResponse(context);
            // As the SDK: only a per-request-metadata revision lets an error set the status.
            Func<JsonRpcMessage?, ValueTask>? onResponseStarting = revision == SessionlessRevision ? first => SetErrorStatus(context, first) : null;
            if (!await server.Transport.HandlePostRequestAsync(request, context.Response.Body, onResponseStarting, context.RequestAborted))
            {
                context.Response.Headers.ContentType = default;
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }

            reusable = true;
        }
        finally
        {
            context.Features.Set<McpServer>(null);
            await _pool.ReturnAsync(server, reusable);
        }

        return true;
    }

    // The revision of a request the SDK would serve without a session, or null: 2026-07-28 always (it has none; the
    // gateway never sets HttpServerSessionMode.Stateful, which refuses it), 2025-11-25 only when the SDK keeps no
    // sessions (otherwise it refuses anything but initialize, which opens one). No header, or another revision: the SDK.
    private string? StatelesslyServedRevision(string header) => header switch
    {
        SessionlessRevision => SessionlessRevision,
        StatelessRevision when _sdkKeepsNoSessions => StatelessRevision,
        _ => null,
    };

    private static JsonRpcRequest? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, MessageType) as JsonRpcRequest;
        }
        catch (JsonException)
        {
            return null; // the SDK words this refusal itself
        }
    }

    // The SDK's Accept check: some value matches application/json and some text/event-stream. A client sends the same
    // Accept on every request, so the last value that passed is remembered and compared instead of parsed again.
    private bool AcceptsJsonAndEventStream(HttpRequest request)
    {
        var values = request.Headers.Accept;
        if (values.Count == 1 && string.Equals(values[0], _lastAccepted, StringComparison.Ordinal))
        {
            return true;
        }

        bool json = false, events = false;
        foreach (var accepted in request.GetTypedHeaders().Accept)
        {
            json |= accepted.MatchesMediaType("application/json");
            events |= accepted.MatchesMediaType("text/event-stream");
        }

        if (json && events && values.Count == 1)
        {
            _lastAccepted = values[0];
        }

        return json && events;
    }

    // ValidateProtocolVersionEnvelope and ValidateRequiredPerRequestMeta: _meta names the header's version, and
    // carries the client's capabilities as an object.
    private static bool HasProtocolMeta(JsonRpcRequest request) =>
        request.Params is JsonObject parameters && parameters["_meta"] is JsonObject meta
        && meta[ProtocolVersionMeta] is JsonValue version && version.TryGetValue<string>(out var declared) && declared == SessionlessRevision
        && meta[ClientCapabilitiesMeta] is JsonObject;

    // ValidateMcpHeaders: Mcp-Method names the method and Mcp-Name (plain or =?base64?…?=) the name or URI. Mcp-Param-*
    // headers are compared by the SDK only for tools registered with it up front, which is none of a view's, so the
    // gateway compares them itself (McpParamHeaderCheck, before this); a tool the SDK does have goes to the SDK.
    private bool HeadersMatch(IHeaderDictionary headers, JsonRpcRequest request, string routingName)
    {
        if (!headers.TryGetValue("Mcp-Method", out var sentMethod) || sentMethod.ToString().Trim() != request.Method)
        {
            return false;
        }

        if (routingName.Length == 0)
        {
            return true; // no custom handler of the method names a routing parameter (_methods)
        }

        if (!headers.TryGetValue("Mcp-Name", out var sentName) || sentName.ToString().Trim() is not { } name
            || name.AsSpan().ContainsAnyExcept(FieldValueChars)
            || McpHeaderEncoder.DecodeValue(name) is not { } decoded
            || request.Params is not JsonObject parameters || parameters[routingName] is not JsonValue value
            || !value.TryGetValue<string>(out var named) || decoded != named)
        {
            return false;
        }

        return request.Method != RequestMethods.ToolsCall || _sdkOptions.Value.ToolCollection?.TryGetPrimitive(named, out _) != true;
    }

    // As the SDK for a per-request-metadata revision: an error that is the whole answer sets the status (SEP-2575).
    internal static ValueTask SetErrorStatus(HttpContext context, JsonRpcMessage? first)
    {
        if (first is JsonRpcError { Error: { } error } && !context.Response.HasStarted)
        {
            context.Response.StatusCode = (McpErrorCode)error.Code switch
            {
                McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
                McpErrorCode.HeaderMismatch or McpErrorCode.MissingRequiredClientCapability or McpErrorCode.UnsupportedProtocolVersion => StatusCodes.Status400BadRequest,
                _ => context.Response.StatusCode,
            };
        }

        return ValueTask.CompletedTask;
    }

    // The SDK's InitializeSseResponse: every POST answer is an event stream.
    internal static void InitializeSseResponse(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentType = "text/event-stream";
        headers.CacheControl = "no-cache,no-store";
        headers.ContentEncoding = "identity";
        headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }
}
