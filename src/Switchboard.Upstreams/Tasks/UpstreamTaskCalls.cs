using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Tools;
using Switchboard.Upstreams.Sessions;

namespace Switchboard.Upstreams.Tasks;

/// <summary>
/// The requests of the tasks extension (SEP-2663) as the gateway sends them to an upstream: each declares the
/// extension in its own <c>_meta</c> client capabilities (2026-07-28 negotiates per request), which the gateway
/// otherwise keeps back (<see cref="CallerCapabilities"/>).
/// </summary>
internal static class UpstreamTaskCalls
{
    /// <summary>The extension's identifier.</summary>
    public const string Extension = "io.modelcontextprotocol/tasks";

    public const string Get = "tasks/get";
    public const string Update = "tasks/update";
    public const string Cancel = "tasks/cancel";

    /// <summary>
    /// Calls <paramref name="tool"/> on the upstream asking for a task, for a caller that asked the gateway for one
    /// (<paramref name="start"/>). A task handle is recorded in <paramref name="start"/> and
    /// <see cref="RemoteTaskStart.Accepted"/> returned in its place (the gateway answers with its own task); a result the upstream gave at once is returned
    /// as it is; an input-required round reaches the caller as for any forwarded call (<see cref="InputRequiredBridge"/>).
    /// </summary>
    public static ValueTask<CallToolResult> StartAsync(UpstreamServer upstream, string tool, RequestContext<CallToolRequestParams> request, RemoteTaskStart start, CancellationToken cancellationToken) =>
        InputRequiredBridge.ForwardAsync(
            upstream,
            RequestMethods.ToolsCall,
            tool,
            request,
            new CallToolRequestParams { Name = tool, Arguments = request.Params?.Arguments },
            async (forwarded, token) =>
            {
                forwarded.Meta = DeclareTasks(forwarded.Meta);
                var answer = await upstream.CallToolForTaskAsync(forwarded, token);
                if (answer?["resultType"]?.GetValueKind() == JsonValueKind.String && answer["resultType"]!.GetValue<string>() == "task")
                {
                    start.TaskId = answer["taskId"] is JsonValue id && id.TryGetValue<string>(out var taskId) && taskId.Length > 0
                        ? taskId
                        : throw new McpException($"Server '{upstream.Name}' answered '{tool}' with a task but no taskId.");
                    start.PollInterval = answer["pollIntervalMs"] is JsonValue poll && poll.TryGetValue<long>(out long ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : null;
                    return start.Accepted;
                }

                return answer.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>())
                    ?? throw new McpException($"The upstream's {RequestMethods.ToolsCall} result was empty.");
            },
            cancellationToken);

    /// <summary>The parameters of <c>tasks/get</c>, <c>tasks/update</c> (with answers) or <c>tasks/cancel</c>.</summary>
    public static JsonObject Parameters(string taskId, JsonObject? inputResponses)
    {
        var parameters = new JsonObject { ["taskId"] = taskId, ["_meta"] = DeclareTasks(null) };
        if (inputResponses is not null)
        {
            parameters["inputResponses"] = inputResponses.DeepClone();
        }

        return parameters;
    }

    // The caller's capabilities as forwarded (or none), with the extension added.
    private static JsonObject DeclareTasks(JsonObject? meta)
    {
        meta ??= [];
        if (meta[CallerCapabilities.MetaKey] is not JsonObject capabilities)
        {
            capabilities = [];
            meta[CallerCapabilities.MetaKey] = capabilities;
        }

        if (capabilities["extensions"] is not JsonObject extensions)
        {
            extensions = [];
            capabilities["extensions"] = extensions;
        }

        extensions[Extension] = new JsonObject();
        return meta;
    }
}
