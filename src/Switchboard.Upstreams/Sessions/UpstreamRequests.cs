using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Sends a forwarded request to an upstream so that an input-required result comes back to the gateway as
/// <see cref="InputRequiredException"/> (with the upstream's own <c>requestState</c>) instead of being answered by
/// the shared client (<see cref="InputRequiredPassThroughTransport"/>).
/// </summary>
internal static class UpstreamRequests
{
    /// <summary>The first revision whose requests carry their own metadata (client capabilities) instead of a session.</summary>
    public const string PerRequestMetadataVersion = "2026-07-28";

    /// <summary>Forwards <c>tools/call</c>.</summary>
    /// <exception cref="InputRequiredException">The upstream needs the caller's input first.</exception>
    public static Task<CallToolResult> CallToolAsync(McpClient client, CallToolRequestParams parameters, CancellationToken cancellationToken) =>
        SendAsync<CallToolRequestParams, CallToolResult>(client, RequestMethods.ToolsCall, parameters, cancellationToken);

    /// <summary>Forwards <c>prompts/get</c>.</summary>
    /// <exception cref="InputRequiredException">The upstream needs the caller's input first.</exception>
    public static Task<GetPromptResult> GetPromptAsync(McpClient client, GetPromptRequestParams parameters, CancellationToken cancellationToken) =>
        SendAsync<GetPromptRequestParams, GetPromptResult>(client, RequestMethods.PromptsGet, parameters, cancellationToken);

    /// <summary>Forwards <c>resources/read</c>.</summary>
    /// <exception cref="InputRequiredException">The upstream needs the caller's input first.</exception>
    public static Task<ReadResourceResult> ReadResourceAsync(McpClient client, ReadResourceRequestParams parameters, CancellationToken cancellationToken) =>
        SendAsync<ReadResourceRequestParams, ReadResourceResult>(client, RequestMethods.ResourcesRead, parameters, cancellationToken);

    private static async Task<TResult> SendAsync<TParams, TResult>(McpClient client, string method, TParams parameters, CancellationToken cancellationToken)
    {
        var result = await SendAsync(client, method, JsonSerializer.SerializeToNode(parameters, McpJsonUtilities.DefaultOptions.GetTypeInfo<TParams>()), cancellationToken);
        return result.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<TResult>())
            ?? throw new McpException($"The upstream's {method} result was empty.");
    }

    /// <summary>Sends <paramref name="method"/> and returns its result.</summary>
    /// <remarks>
    /// <exception cref="InputRequiredException">The upstream needs the caller's input first.</exception>
    /// Sent in the caller's own upstream session when <see cref="UpstreamSessions.RunAsync"/> opened one for this call.
    /// A <c>routingName</c> is sent as <c>Mcp-Name</c>, for a method the SDK client does not name itself (<c>tasks/get</c>: the task id).
    /// </remarks>
    public static async Task<JsonNode?> SendAsync(McpClient client, string method, JsonNode? parameters, CancellationToken cancellationToken, string? routingName = null)
    {
        client = UpstreamSessions.Current ?? client;
        if (!UsesPerRequestMetadata(client.NegotiatedProtocolVersion) && parameters?["_meta"] is JsonObject meta)
        {
            // A session-based upstream learnt the capabilities at initialize; the caller's are for 2026-07-28 upstreams.
            meta.Remove(CallerCapabilities.MetaKey);
        }

#pragma warning disable MCPEXP002 // RoutingName: the SDK's one way to set Mcp-Name for a method it does not know
        var request = new JsonRpcRequest
        {
            Method = method,
            Params = parameters,
            Context = new JsonRpcMessageContext { Items = new Dictionary<string, object?> { [InputRequiredPassThroughTransport.PassThroughKey] = true }, RoutingName = McpNameHeader(method, parameters, routingName) },
        };
#pragma warning restore MCPEXP002
        JsonRpcResponse response;
        try
        {
            response = await client.SendRequestAsync(request, cancellationToken);
        }
        catch (McpProtocolException e) when (e.GetType() == typeof(McpProtocolException) && e.Message.StartsWith(RemoteErrorPrefix, StringComparison.Ordinal))
        {
            throw InUpstreamsWords(e);
        }

        return InputRequiredPassThroughTransport.TryTakeInputRequired(response.Result, out var inputRequired)
            ? throw new InputRequiredException(inputRequired)
            : response.Result;
    }

    // The SDK's client words an upstream's JSON-RPC error as "Request failed (remote): " and its message; the caller is
    // relayed the upstream's own message, code and data. (Its subclasses for particular codes, which carry more, are
    // relayed as they are.)
    private const string RemoteErrorPrefix = "Request failed (remote): ";

    private static McpProtocolException InUpstreamsWords(McpProtocolException error)
    {
        var relayed = new McpProtocolException(error.Message[RemoteErrorPrefix.Length..], error.ErrorCode);
        foreach (System.Collections.DictionaryEntry entry in error.Data)
        {
            relayed.Data[entry.Key] = entry.Value;
        }

        return relayed;
    }

    // The Mcp-Name header of an HTTP upstream (SEP-2243), encoded here: the SDK client sends the name or URI as it is,
    // and the HTTP client refuses a header that is not ASCII (a tool 'héllo', a resource IRI) before anything is
    // sent. Plain visible ASCII stays as it is; anything else becomes =?base64?…?=, which the upstream decodes.
    private static string? McpNameHeader(string method, JsonNode? parameters, string? routingName)
    {
        string? member = method switch
        {
            RequestMethods.ToolsCall or RequestMethods.PromptsGet => "name",
            RequestMethods.ResourcesRead => "uri",
            _ => null,
        };
        string? name = routingName ?? (member is not null && parameters?[member] is JsonValue value && value.TryGetValue(out string? text) ? text : null);
        return McpHeaderEncoder.EncodeValue(name);
    }

    /// <summary>Whether <paramref name="protocolVersion"/> is 2026-07-28 or later.</summary>
    public static bool UsesPerRequestMetadata(string? protocolVersion) =>
        protocolVersion is not null && string.CompareOrdinal(protocolVersion, PerRequestMetadataVersion) >= 0;
}
