using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Gateway.Hosting;
using Switchboard.Gateway.Telemetry;
using Switchboard.Tools;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Answers a sessionless 2026-07-28 <c>tools/call</c> to a self-contained built-in tool
/// (<see cref="Registry.McpServerCatalog.SelfContained"/>) itself, on a pooled server's tools/call filters, instead of
/// handing it to the SDK's transport: a channel, a session loop, thread-pool hops, the message filters and the result
/// serialized twice (issue 18: about a tenth of such a call's CPU, bench/README.md). It does what the SDK 2.4.0 does for
/// the call, in its order — <c>McpServerImpl</c>'s per-request metadata, the call-tool pipeline and its logging
/// (<c>BuildComposedCallToolHandler</c>), <c>resultType</c>, <c>_meta</c> server info, the MRTR wrapper;
/// <c>McpSessionHandler</c>'s error mapping and duration metric; <c>StreamableHttpPostTransport</c>'s SSE event — and
/// takes only the calls for which that is all the SDK would do: no task, progress token, log level, request state or
/// input responses, no tracing of the SDK's spans, not a pooled server's first call. Anything else goes on to the SDK,
/// before anything has run.
/// </summary>
internal sealed partial class DirectToolCall : IDisposable
{
    private const string ProtocolVersion = "2026-07-28";
    private const string RefusalKey = "switchboard:refusal"; // McpAccessFilters' stand-in result carries its error here

    private static readonly JsonTypeInfo<CallToolRequestParams> ParamsType = TypeInfo<CallToolRequestParams>();
    private static readonly JsonTypeInfo<CallToolResult> ResultType = TypeInfo<CallToolResult>();
    private static readonly JsonTypeInfo<InputRequiredResult> InputRequiredType = TypeInfo<InputRequiredResult>();
    private static readonly JsonTypeInfo<Implementation> ImplementationType = TypeInfo<Implementation>();
    private static readonly JsonTypeInfo<ClientCapabilities> CapabilitiesType = TypeInfo<ClientCapabilities>();
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = TypeInfo<JsonRpcMessage>();
    private static readonly JsonTypeInfo<RequestId> RequestIdType = TypeInfo<RequestId>();
    // Each server's info as JSON, made once (SendResult).
    private static readonly ConditionalWeakTable<Implementation, byte[]> ServerInfoJson = new();
    private const int MaxKeptResultBuffer = 64 * 1024;

    // A thread's buffer for a result's JSON, reused by its next call (SendResult writes it out before anything awaits).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? ResultBuffer;

    private readonly bool _enabled;
    private readonly ILogger<McpServer> _sdkLogger; // the category the SDK's server logs under
    // A source of the SDK's name: a tracer that listens to the SDK's spans listens to it too, and a traced call goes
    // to the SDK, which makes them.
    private readonly ActivitySource _sdkSpans = new(TelemetryExtensions.McpSdkName);
    // The SDK's own duration histogram, found as it is published, so a direct call is counted in the same series.
    private readonly MeterListener _sdkInstruments = new();
    private volatile Histogram<double>? _sdkDuration;

    public DirectToolCall(IOptions<GatewayOptions> options, ILogger<McpServer> sdkLogger)
    {
        (_enabled, _sdkLogger) = (options.Value.DirectToolCalls, sdkLogger);
        _sdkInstruments.InstrumentPublished = (instrument, _) =>
        {
            if (instrument is Histogram<double> { Name: "mcp.server.operation.duration" } histogram && instrument.Meter.Name == TelemetryExtensions.McpSdkName)
            {
                _sdkDuration = histogram;
            }
        };
        _sdkInstruments.Start();
        // The SDK makes its instruments when its session handler first handles a message (static fields of a
        // beforefieldinit type); when every call so far was direct, none has, and the calls would go uncounted.
        if (typeof(McpServer).Assembly.GetType("ModelContextProtocol.McpSessionHandler") is { } sessionHandler)
        {
            RuntimeHelpers.RunClassConstructor(sessionHandler.TypeHandle);
        }
    }

    /// <summary>
    /// Answers <paramref name="request"/> (a 2026-07-28 tools/call the fast path has checked: headers, <c>_meta</c>
    /// version and capabilities) on <paramref name="server"/>; false, with nothing run or written, when the SDK is to.
    /// </summary>
    public async ValueTask<bool> TryServeAsync(HttpContext context, PooledServer server, JsonRpcRequest request)
    {
        if (!_enabled || _sdkSpans.HasListeners() || Prepare(server, request) is not { } call)
        {
            return false;
        }

        GatewayDiagnostics.DirectToolCalls.Add(1);
        long started = Stopwatch.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        JsonRpcMessage? answer = null;
        CallToolResult? result = null;
        try
        {
            (result, var incomplete) = await CallAsync(call, server, cancellationToken);
            if (request.Context?.Items is { } items && items.TryGetValue(RefusalKey, out var refusal) && refusal is JsonRpcErrorDetail error)
            {
                answer = new JsonRpcError { Id = request.Id, Error = error };
            }
            else if (result is not { Meta: null })
            {
                var node = result is null ? incomplete : JsonSerializer.SerializeToNode(result, ResultType);
                answer = new JsonRpcResponse { Id = request.Id, Result = WithServerInfo(node, server.Server.ServerOptions.ServerInfo) };
            }
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            RecordDuration(started, toolError: false, ErrorType(e));
            return true; // the caller is gone: as the SDK, nothing is answered
        }
        catch (Exception e)
        {
            await SendAsync(context, new JsonRpcError { Id = request.Id, Error = ErrorDetail(e) });
            RecordDuration(started, toolError: false, ErrorType(e));
            return true;
        }

        if (answer is null)
        {
            SendResult(context, request.Id, result!, server.Server.ServerOptions.ServerInfo);
        }
        else
        {
            await SendAsync(context, answer);
        }

        RecordDuration(started, toolError: result?.IsError == true, error: null);
        return true;
    }

    public void Dispose()
    {
        _sdkInstruments.Dispose();
        _sdkSpans.Dispose();
    }

    // The call, or null when the SDK is to serve it: only params and _meta members the SDK gives no further meaning
    // here, metadata the SDK would accept (McpServerImpl.ProjectModernMetadata), and a matched self-contained tool
    // that is never a task.
    private static RequestContext<CallToolRequestParams>? Prepare(PooledServer server, JsonRpcRequest request)
    {
        // A server takes its protocol version from the first request whose metadata it reads itself, and labels the
        // sends of its answers with it from then on. One that had only answered direct calls would have none, and
        // would count the refusal of a later request's bad metadata unlabelled where the same server without the
        // direct path would not: a server's first call goes to the SDK.
        if (server.Server.NegotiatedProtocolVersion is null
            || request.Params is not JsonObject parameters || parameters["_meta"] is not JsonObject meta
            || !OnlyMembers(parameters, "name", "arguments", "_meta")
            || !OnlyMembers(meta, MetaKeys.ProtocolVersion, MetaKeys.ClientCapabilities, MetaKeys.ClientInfo))
        {
            return null;
        }

        CallToolRequestParams? call;
        ClientCapabilities? capabilities;
        Implementation? clientInfo = null;
        try
        {
            call = parameters.Deserialize(ParamsType);
            capabilities = meta[MetaKeys.ClientCapabilities]?.Deserialize(CapabilitiesType);
            if (meta[MetaKeys.ClientInfo] is { } info && (clientInfo = info.Deserialize(ImplementationType)) is null)
            {
                return null;
            }
        }
        catch (JsonException)
        {
            return null; // the SDK words the refusal
        }

        if (call?.Name is not { } name || capabilities is null || !server.Key.View.IsSelfContained(name)
            || server.Options.ToolCollection is not { } tools || !tools.TryGetPrimitive(name, out var tool)
            || TaskSupportAttribute.For(tool) is { Mode: not TaskSupport.Forbidden })
        {
            return null;
        }

        // As the SDK projects the metadata: the context a tool sees through its request.
        var messageContext = request.Context!;
        messageContext.ClientCapabilities = capabilities;
        messageContext.ClientInfo = clientInfo;
        return new RequestContext<CallToolRequestParams>(server.Server, request, call) { MatchedPrimitive = tool };
    }

    private static bool OnlyMembers(JsonObject node, string first, string second, string third)
    {
        foreach (var (member, _) in node)
        {
            if (member != first && member != second && member != third)
            {
                return false;
            }
        }

        return true;
    }

    // McpServerImpl's tools/call handler: the composed call-tool pipeline, each call logged once as it ends; a fault
    // becomes a tool error, except a protocol error, a cancellation or a request for input; then resultType. A result
    // that is complete comes back as it is; one that is not, as the node of the MRTR wrapper's answer to a client that
    // supports MRTR (every 2026-07-28 client).
    private async ValueTask<(CallToolResult? Complete, JsonNode? Incomplete)> CallAsync(RequestContext<CallToolRequestParams> call, PooledServer server, CancellationToken cancellationToken)
    {
        string name = call.Params!.Name;
        CallToolResult result;
        try
        {
            result = await server.CallTool(call, cancellationToken);
            LogToolCallCompleted(_sdkLogger, name, result.IsError ?? false);
        }
        catch (InputRequiredException e)
        {
            return (null, JsonSerializer.SerializeToNode(e.Result, InputRequiredType));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogToolCallError(_sdkLogger, name, e);
            if (e is McpProtocolException)
            {
                throw;
            }

            result = new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = e is McpException ? $"An error occurred invoking '{name}': {e.Message}" : $"An error occurred invoking '{name}'." }],
            };
        }

        result.ResultType ??= "complete";
        return result.ResultType == "input_required"
            ? (null, JsonSerializer.SerializeToNode(JsonSerializer.SerializeToNode(result, ResultType).Deserialize(InputRequiredType)!, InputRequiredType))
            : (result, null);
    }

    // The answer SendAsync would write for a complete result without _meta of its own, written without building its
    // JSON node: the result's members, then the _meta that WithServerInfo appends, in the response's members (result,
    // id, jsonrpc), each written by a writer of the same options, so byte for byte the same.
    private void SendResult(HttpContext context, RequestId id, CallToolResult result, Implementation? serverInfo)
    {
        long started = Stopwatch.GetTimestamp();
        SessionlessFastPath.InitializeSseResponse(context);
        var serialized = ResultBuffer ??= new ArrayBufferWriter<byte>();
        serialized.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(serialized))
        {
            JsonSerializer.Serialize(json, result, ResultType);
        }

        var body = context.Response.BodyWriter;
        var members = serialized.WrittenSpan[..^1]; // without its closing brace; never empty: content is always written
        body.Write("event: message\ndata: {\"result\":"u8);
        body.Write(members);
        body.Write(",\"_meta\":{\"io.modelcontextprotocol/serverInfo\":"u8);
        body.Write(serverInfo is null ? "null"u8 : ServerInfoJson.GetValue(serverInfo, static info => Serialize(info, ImplementationType)));
        body.Write("}},\"id\":"u8);
        using (var json = new Utf8JsonWriter(body))
        {
            JsonSerializer.Serialize(json, id, RequestIdType);
        }

        body.Write(",\"jsonrpc\":\"2.0\"}\n\n"u8);
        serialized.ResetWrittenCount();
        if (serialized.Capacity > MaxKeptResultBuffer)
        {
            ResultBuffer = null; // a large result's buffer is not kept for the thread's next call
        }

        RecordSend(started);
    }

    // The JSON of a value as a writer of default options writes it (as a node of it is written into an answer).
    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(json, value, type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // McpServerImpl.PrependServerInfoFilter: every successful result of a per-request-metadata revision names the server.
    private static JsonNode? WithServerInfo(JsonNode? result, Implementation? serverInfo)
    {
        if (result is JsonObject answer)
        {
            if (answer["_meta"] is not JsonObject meta)
            {
                answer["_meta"] = meta = new JsonObject();
            }

            meta[MetaKeys.ServerInfo] = serverInfo is null ? null : JsonSerializer.SerializeToNode(serverInfo, ImplementationType);
        }

        return result;
    }

    // McpSessionHandler's answer to a request whose handler threw.
    private static JsonRpcErrorDetail ErrorDetail(Exception e) => e switch
    {
        McpProtocolException protocol => new JsonRpcErrorDetail { Code = (int)protocol.ErrorCode, Message = protocol.Message, Data = McpErrorData.Of(protocol.Data) },
        McpException mcp => new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = mcp.Message },
        _ => new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = "An error occurred." },
    };

    // As McpSessionHandler.AddExceptionTags.
    private static string ErrorType(Exception e) => e switch
    {
        McpProtocolException protocol => ((int)protocol.ErrorCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => e.GetType().FullName!,
    };

    // McpSessionHandler.SendMessageAsync: the answer's send is an operation of its own in the SDK's duration metric,
    // as "unknownMethod" (neither a request nor a notification), of the version the request made the server's.
    private async ValueTask SendAsync(HttpContext context, JsonRpcMessage answer)
    {
        long started = Stopwatch.GetTimestamp();
        await WriteAsync(context, answer);
        RecordSend(started);
    }

    private void RecordSend(long started)
    {
        if (_sdkDuration is { Enabled: true } duration)
        {
            duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tags("unknownMethod"));
        }
    }

    // McpSessionHandler's mcp.server.operation.duration, with the tags it gives a tools/call on Streamable HTTP when
    // its spans are not traced (no tool name then); a result with isError is a "tool_error".
    private void RecordDuration(long started, bool toolError, string? error)
    {
        if (_sdkDuration is not { Enabled: true } duration)
        {
            return;
        }

        var tags = Tags(RequestMethods.ToolsCall);
        if (error is not null)
        {
            tags.Add("error.type", error);
            if (int.TryParse(error, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                tags.Add("rpc.response.status_code", error);
            }
        }
        else if (toolError)
        {
            tags.Add("error.type", "tool_error");
        }

        duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    // McpSessionHandler.AddTags for a message on Streamable HTTP.
    private static TagList Tags(string method) => new()
    {
        { "mcp.method.name", method },
        { "network.transport", "tcp" },
        { "network.protocol.name", "http" },
        { "mcp.protocol.version", ProtocolVersion },
    };

    // StreamableHttpPostTransport's answer: one SSE event, its status set as SessionlessFastPath sets it for the SDK.
    // Not flushed: the response ends right after, and Kestrel sends headers, event and end in one write.
    private static async ValueTask WriteAsync(HttpContext context, JsonRpcMessage answer)
    {
        SessionlessFastPath.InitializeSseResponse(context);
        await SessionlessFastPath.SetErrorStatus(context, answer);
        var body = context.Response.BodyWriter;
        body.Write("event: message\ndata: "u8);
        using (var json = new Utf8JsonWriter(body))
        {
            JsonSerializer.Serialize(json, answer, MessageType);
        }

        body.Write("\n\n"u8);
    }

    // The SDK reads and writes protocol messages with these options (its own source-generated contract, case-sensitive).
    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)McpJsonUtilities.ProtocolOptions.GetTypeInfo(typeof(T));

    [LoggerMessage(EventId = 2065726448, EventName = "ToolCallCompleted", Level = LogLevel.Information, Message = "\"{ToolName}\" completed. IsError = {IsError}.")]
    private static partial void LogToolCallCompleted(ILogger logger, string toolName, bool isError);

    [LoggerMessage(EventId = 1433779783, EventName = "ToolCallError", Level = LogLevel.Error, Message = "\"{ToolName}\" threw an unhandled exception.")]
    private static partial void LogToolCallError(ILogger logger, string toolName, Exception exception);
}
