using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access.Identity;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Tools;

namespace Switchboard.Workflows.Tasks;

// Tasks of remote tools, and the task support every tool lists.
public sealed partial class McpTasks
{
    // What the logs name when the server's task never got a job.
    private const string NoJob = "(none)";

    /// <summary>
    /// A task-augmented call of a remote server's task-supporting tool. The call goes its ordinary way (policy, rate
    /// limits, audit, the upstream's pipeline), asking the server for a task of its own; once the server has made one,
    /// a <c>remote-task</c> job that names it is committed and its handle answered (<see cref="RemoteTaskJobHandler"/>
    /// follows it). A server that answers at once (a result, or an input-required round before the task, SEP-2663's
    /// MRTR-then-task) is answered as it answered.
    /// </summary>
    private async ValueTask<ResultOrAlternate<CallToolResult>> StartRemoteTaskAsync(
        string server,
        string tool,
        McpRequestHandler<CallToolRequestParams, ResultOrAlternate<CallToolResult>> next,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        var start = new RemoteTaskStart();
        context.Items[RemoteTaskStart.ItemKey] = start;
        ResultOrAlternate<CallToolResult> answer;
        try
        {
            answer = await next(context, cancellationToken);
        }
        finally
        {
            context.Items.Remove(RemoteTaskStart.ItemKey);
        }

        if (start.TaskId is not { } remoteTaskId)
        {
            return answer;
        }

        var principal = context.User.ToAccessPrincipal();
        var payload = new RemoteTaskPayload(server, tool, remoteTaskId) { PollIntervalMs = (long?)start.PollInterval?.TotalMilliseconds };
        var draft = new JobDraft(RemoteTaskJobHandler.JobKind, principal.Id, principal.Roles.Roles, JsonSerializer.Serialize(payload, WorkflowsJson.Default.RemoteTaskPayload));
        if (!ReferenceEquals(answer.Result, start.Accepted))
        {
            // Refused after the server made its task (the call's audit event could not be written): nobody may follow it.
            await remoteTasks.ForwardCancelAsync(NoJob, draft.Payload, CancellationToken.None);
            return answer;
        }

        Job job;
        try
        {
            job = await queue.EnqueueAsync(draft, cancellationToken);
        }
        catch
        {
            // The caller gets no handle, so the server's task would run for nobody.
            await remoteTasks.ForwardCancelAsync(NoJob, draft.Payload, CancellationToken.None);
            throw;
        }

        return Created(job);
    }

    private IRemoteTasks? RemoteTasksOf(string server) =>
        registry.TryGetServerView(server, out var view) ? view.Servers.Select(s => s.RemoteTasks).FirstOrDefault(r => r is not null) : null;

    private async Task ForwardCancelIfRemoteAsync(string taskId, string principalId, CancellationToken cancellationToken)
    {
        if (await queue.GetAsync(taskId, principalId, cancellationToken) is { Kind: RemoteTaskJobHandler.JobKind } job)
        {
            await remoteTasks.ForwardCancelAsync(job.Id, job.Payload, cancellationToken);
        }
    }

    /// <summary>Marks a <c>tools/list</c> request in its items, which its response shares, for <see cref="ListTaskSupport"/>.</summary>
    internal const string ToolsListKey = "switchboard:tools-list";

    // An incoming filter rather than a tools/list request filter: it marks the request even when a request filter
    // before it answers from a cache.
    internal static McpMessageHandler MarkToolsList(McpMessageHandler next) => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsList })
        {
            context.Items[ToolsListKey] = true;
        }

        return next(context, cancellationToken);
    };

    /// <summary>
    /// tools/list shows each task-capable tool's <c>execution.taskSupport</c> (SEP-2663), which the SDK 2.4
    /// <see cref="Tool"/> type cannot carry: the built-in tools' <see cref="TaskSupportAttribute"/>, and for a remote tool
    /// what its server listed. A client (or a gateway in front of this one) learns from it which tools run as tasks.
    /// Forbidden is the default and is not written. Every outgoing message passes here: only a response that answers
    /// tools/list (<see cref="MarkToolsList"/>) is read, so another result that happens to hold a <c>tools</c> array is
    /// left as it is, and the others cost a type test and a dictionary look-up (and no async state machine: the
    /// rewrite is synchronous, the send is handed on).
    /// </summary>
    internal static McpMessageFilter ListTaskSupport(McpServerView view) => next => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Context.Items: { } items, Result: JsonObject result } && items.ContainsKey(ToolsListKey)
            && result["tools"] is JsonArray tools)
        {
            foreach (var entry in tools.OfType<JsonObject>())
            {
                if (entry["name"] is JsonValue name && name.TryGetValue<string>(out var exposed)
                    && view.Tools.TryGetPrimitive(exposed, out var tool)
                    && TaskSupportAttribute.Of(tool) is var mode and not TaskSupport.Forbidden)
                {
                    entry["execution"] = new JsonObject { ["taskSupport"] = mode == TaskSupport.Required ? "required" : "optional" };
                }
            }
        }

        return next(context, cancellationToken);
    };
}
