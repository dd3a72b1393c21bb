using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Tools;
using Switchboard.Upstreams.Resilience;
using Switchboard.Upstreams.Sessions;
using Switchboard.Upstreams.Tasks;

namespace Switchboard.Upstreams;

// The upstream's tasks (SEP-2663): which of its tools take them (execution.taskSupport, read from the raw tools/list
// because the SDK 2.4 Tool type drops it), a tools/call that asks for one, and tasks/get, tasks/update and
// tasks/cancel on it, each through the same pipeline as every request to it.
public sealed partial class UpstreamServer : IRemoteTasks
{
    private IReadOnlyDictionary<string, TaskSupport> _taskSupport = new Dictionary<string, TaskSupport>();

    /// <summary>
    /// What the upstream says of <paramref name="upstreamName"/>'s tasks, as the metadata of its forwarded tool: a
    /// <see cref="TaskSupportAttribute"/> when it takes tasks, nothing when it does not (forbidden, or never said).
    /// </summary>
    internal IReadOnlyList<object> TaskMetadataFor(string upstreamName) =>
        Volatile.Read(ref _taskSupport).TryGetValue(upstreamName, out var mode) && mode != TaskSupport.Forbidden
            ? [new TaskSupportAttribute(mode)]
            : [];

    /// <summary><c>execution.taskSupport</c> of one raw <c>tools/list</c> entry; absent or unknown is forbidden, as SEP-2663 says.</summary>
    internal static TaskSupport TaskSupportIn(JsonObject listed) =>
        listed["execution"]?["taskSupport"] is JsonValue value && value.TryGetValue<string>(out var mode)
            ? mode switch
            {
                "optional" => TaskSupport.Optional,
                "required" => TaskSupport.Required,
                _ => TaskSupport.Forbidden,
            }
            : TaskSupport.Forbidden;

    // Believed only of an upstream that speaks the extension: 2026-07-28 and advertising it. Any other is called inline.
    private void RememberTaskSupport(McpClient client, Dictionary<string, TaskSupport> listed)
    {
        bool speaksTasks = UpstreamRequests.UsesPerRequestMetadata(client.NegotiatedProtocolVersion)
            && client.ServerCapabilities.Extensions?.ContainsKey(UpstreamTaskCalls.Extension) == true;
        Volatile.Write(ref _taskSupport, speaksTasks ? listed : new Dictionary<string, TaskSupport>());
    }

    /// <summary>
    /// Forwards a <c>tools/call</c> that declares the tasks extension and returns the raw result: a task handle
    /// (<c>resultType:"task"</c>) or the result itself. Retried only where a plain call would be.
    /// </summary>
    /// <exception cref="InputRequiredException">The upstream needs the caller's input first.</exception>
    internal ValueTask<JsonNode?> CallToolForTaskAsync(CallToolRequestParams request, CancellationToken cancellationToken) =>
        SendAsync(
            "switchboard.upstream tools/call",
            RequestMethods.ToolsCall,
            request.Name,
            UpstreamCallPolicy.IsSafe(Catalog, request.Name),
            UpstreamCallPolicy.TimeoutFor(_options, request.Name),
            static async (client, request, token) => await UpstreamRequests.SendAsync(
                client, RequestMethods.ToolsCall, JsonSerializer.SerializeToNode(request, McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolRequestParams>()), token),
            request,
            cancellationToken);

    /// <inheritdoc />
    public async ValueTask<JsonObject> GetAsync(string taskId, CancellationToken cancellationToken) =>
        await SendTaskRequestAsync(UpstreamTaskCalls.Get, taskId, null, safe: true, cancellationToken) as JsonObject
            ?? throw new McpException($"The upstream's {UpstreamTaskCalls.Get} result was empty.");

    /// <inheritdoc />
    public async ValueTask UpdateAsync(string taskId, JsonObject inputResponses, CancellationToken cancellationToken) =>
        // Answers to keys already answered are ignored by the upstream, so sending them again is harmless.
        await SendTaskRequestAsync(UpstreamTaskCalls.Update, taskId, inputResponses, safe: true, cancellationToken);

    /// <inheritdoc />
    public async ValueTask CancelAsync(string taskId, CancellationToken cancellationToken) =>
        await SendTaskRequestAsync(UpstreamTaskCalls.Cancel, taskId, null, safe: true, cancellationToken);

    private ValueTask<JsonNode?> SendTaskRequestAsync(string method, string taskId, JsonObject? inputResponses, bool safe, CancellationToken cancellationToken) =>
        SendAsync(
            $"switchboard.upstream {method}",
            method,
            taskId,
            safe,
            _options.Timeout,
            // SEP-2663 routes tasks/* by Mcp-Name: the task id, which the SDK client does not set for these methods itself.
            static async (client, request, token) => await UpstreamRequests.SendAsync(
                client, request.Method, UpstreamTaskCalls.Parameters(request.TaskId, request.InputResponses), token, routingName: request.TaskId),
            (Method: method, TaskId: taskId, InputResponses: inputResponses),
            cancellationToken);
}
