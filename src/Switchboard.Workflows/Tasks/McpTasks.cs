using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Tools;

namespace Switchboard.Workflows.Tasks;

/// <summary>
/// The MCP tasks extension (<c>io.modelcontextprotocol/tasks</c>, SEP-2663) over the job queue. A <c>tools/call</c> of
/// a tool marked <see cref="TaskSupportAttribute"/>, from a request that declares the extension, is enqueued as a
/// <c>tool-call</c> job and answered with its task handle once the row is committed; <c>tasks/get</c>,
/// <c>tasks/update</c> and <c>tasks/cancel</c> read and change that row, from any replica. A task belongs to the
/// principal that created it: any other gets "not found". A <c>subscriptions/listen</c> stream that names the
/// principal's tasks in <c>notifications.taskIds</c> gets a <c>notifications/tasks</c> on each change of their state,
/// wherever the job ran (<see cref="JobSignal.JobChanged"/>, through PostgreSQL NOTIFY across replicas).
/// </summary>
public sealed partial class McpTasks(
    JobQueue queue, JobSignal signal, AccessGuard guard, IOptions<JobQueueOptions> options, McpServerRegistry registry, RemoteTaskJobHandler remoteTasks)
{
    /// <summary>The extension's identifier, in capabilities and <c>_meta</c>.</summary>
    public const string ExtensionId = "io.modelcontextprotocol/tasks";

    /// <summary>The notification that carries a listened task's new state (SEP-2663 "Task Status Notifications").</summary>
    public const string StatusNotification = "notifications/tasks";

    private const string ClientCapabilitiesMetaKey = "io.modelcontextprotocol/clientCapabilities";

    // A re-read of the listened tasks in case a change signal was lost (the PostgreSQL listener reconnecting).
    private static readonly TimeSpan ListenRecheck = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Advertises the extension and adds <c>tasks/get</c>, <c>tasks/update</c> and <c>tasks/cancel</c>. Done on the
    /// host's <see cref="McpServerOptions"/> (not per session): the HTTP transport checks <c>Mcp-Name</c> against
    /// <c>params.taskId</c> only for the handlers it finds there.
    /// </summary>
    public void AddMethodsTo(McpServerOptions serverOptions)
    {
        ArgumentNullException.ThrowIfNull(serverOptions);
        var capabilities = serverOptions.Capabilities ??= new ServerCapabilities();
        (capabilities.Extensions ??= new Dictionary<string, object>())[ExtensionId] = new JsonObject();

        serverOptions.RequestHandlers ??= [];
        if (serverOptions.RequestHandlers.Any(h => h.Method == "tasks/get"))
        {
            return;
        }

        serverOptions.RequestHandlers.Add(new McpServerRequestHandler { Method = "tasks/get", RoutingNameParameter = "taskId", Handler = GetAsync });
        serverOptions.RequestHandlers.Add(new McpServerRequestHandler { Method = "tasks/update", RoutingNameParameter = "taskId", Handler = UpdateAsync });
        serverOptions.RequestHandlers.Add(new McpServerRequestHandler { Method = "tasks/cancel", RoutingNameParameter = "taskId", Handler = CancelAsync });
        serverOptions.Filters.Message.IncomingFilters.Add(ListenToTasks);
    }

    // subscriptions/listen with notifications.taskIds (SEP-2663 over SEP-2575). A 2026-07-28 request is served
    // without a session, where the SDK's own handler acknowledges with nothing granted and ends at once; a listen for
    // tasks is served here instead: acknowledged with the principal's tasks among those named (another principal's task,
    // or one that does not exist, is left out), then held open with a notifications/tasks on each change of their state
    // until they have all finished or the client goes away. List and resource notifications cannot be delivered without
    // a session, so nothing else is granted, as the SDK would not either.
    // Every other message (each tools/call among them) is handed on without an async state machine of its own.
    private McpMessageHandler ListenToTasks(McpMessageHandler next) => (context, cancellationToken) =>
        context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.SubscriptionsListen } request && ListenedTaskIds(request) is { Count: > 0 } taskIds
            ? ListenToTasksAsync(context, request, taskIds, cancellationToken)
            : next(context, cancellationToken);

    private async Task ListenToTasksAsync(MessageContext context, JsonRpcRequest request, IList<string> taskIds, CancellationToken cancellationToken)
    {
        if (!DeclaresTasks(request))
        {
            var missing = MissingTasksCapability();
            await context.Server.SendMessageAsync(
                new JsonRpcError
                {
                    Id = request.Id,
                    Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.MissingRequiredClientCapability, Message = missing.Message, Data = RequiredTasksCapability() }
                },
                cancellationToken);
            return;
        }

        var principal = context.User.ToAccessPrincipal();
        var granted = new List<string>();
        foreach (string taskId in taskIds.Distinct(StringComparer.Ordinal))
        {
            if (await queue.GetAsync(taskId, principal.Id, cancellationToken) is not null)
            {
                granted.Add(taskId);
            }
        }

        var acknowledgement = new JsonObject
        {
            ["notifications"] = new JsonObject { ["taskIds"] = new JsonArray([.. granted.Select(id => JsonValue.Create(id))]) },
        };
        await SendOnSubscriptionAsync(context.Server, request.Id, NotificationMethods.SubscriptionsAcknowledgedNotification, acknowledgement, cancellationToken);
        try
        {
            await WatchTasksAsync(context.Server, request.Id, principal.Id, granted, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // the client went away
        }

        await context.Server.SendMessageAsync(
            new JsonRpcResponse { Id = request.Id, Result = Acknowledgement() },
            cancellationToken);
    }

    // On the listen request's own stream (the server given to the filter is bound to it), tagged with the
    // subscription's id (the listen request's), as SEP-2575 asks of everything on the stream.
    private static Task SendOnSubscriptionAsync(McpServer server, RequestId subscription, string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        parameters["_meta"] = new JsonObject { [MetaKeys.SubscriptionId] = JsonSerializer.SerializeToNode(subscription, McpJsonUtilities.DefaultOptions) };
        return server.SendMessageAsync(
            new JsonRpcNotification { Method = method, Params = parameters },
            cancellationToken);
    }

    // Returns once every watched task has reached a terminal state (and that was sent).
    private async Task WatchTasksAsync(McpServer server, RequestId subscription, string principalId, List<string> taskIds, CancellationToken cancellationToken)
    {
        var watched = new ConcurrentDictionary<string, string>(StringComparer.Ordinal); // task id -> the state last seen
        using var wake = new SemaphoreSlim(0);
        void OnChanged(string jobId)
        {
            if (watched.ContainsKey(jobId))
            {
                wake.Release();
            }
        }

        // Listening before the first read, so that no change falls between the two.
        signal.JobChanged += OnChanged;
        try
        {
            foreach (string taskId in taskIds)
            {
                if (await queue.GetAsync(taskId, principalId, cancellationToken) is not { } job)
                {
                    continue;
                }

                if (IsTerminal(job))
                {
                    // It finished before the listen: its last state is sent, as it would have been had the listen been earlier.
                    await SendOnSubscriptionAsync(server, subscription, StatusNotification, Describe(job), cancellationToken);
                    continue;
                }

                watched[taskId] = Version(job);
            }

            while (!watched.IsEmpty)
            {
                await wake.WaitAsync(ListenRecheck, cancellationToken);
                while (wake.CurrentCount > 0)
                {
                    await wake.WaitAsync(cancellationToken);
                }

                foreach (var (taskId, seen) in watched)
                {
                    var job = await queue.GetAsync(taskId, principalId, cancellationToken);
                    if (job is null || Version(job) == seen)
                    {
                        continue;
                    }

                    watched[taskId] = Version(job);
                    await SendOnSubscriptionAsync(server, subscription, StatusNotification, Describe(job), cancellationToken);
                    if (IsTerminal(job))
                    {
                        watched.TryRemove(taskId, out _); // terminal: nothing more to tell
                    }
                }
            }
        }
        finally
        {
            signal.JobChanged -= OnChanged;
        }
    }

    private static bool IsTerminal(Job job) => job.State is not (JobState.Queued or JobState.Running or JobState.InputRequired);

    // What a client can tell apart: the status and the row's last change (a partial answer to input keeps the status).
    private static string Version(Job job) => $"{Status(job.State)}|{job.UpdatedAt.UtcTicks}";

    private static IList<string>? ListenedTaskIds(JsonRpcRequest request) =>
        request.Params?["notifications"]?["taskIds"] is JsonArray ids
            ? [.. ids.Select(id => id is JsonValue value && value.TryGetValue<string>(out var text) ? text : null).OfType<string>()]
            : null;

    /// <summary>Adds the filter that turns <paramref name="view"/>'s task-supporting tool calls into tasks.</summary>
    public void AddToolCallsTo(McpServerOptions serverOptions, McpServerView view)
    {
        ArgumentNullException.ThrowIfNull(serverOptions);
        ArgumentNullException.ThrowIfNull(view);
        serverOptions.Filters.Request.CallToolWithAlternateFilters.Add((context, next, cancellationToken) => CallToolAsync(view, next, context, cancellationToken));
        serverOptions.Filters.Message.IncomingFilters.Add(MarkToolsList);
        serverOptions.Filters.Message.OutgoingFilters.Add(ListTaskSupport(view));
    }

    // A call that does not become a task (every call of a tool without task support among them) is handed on
    // without an async state machine of its own.
    private ValueTask<ResultOrAlternate<CallToolResult>> CallToolAsync(
        McpServerView view,
        McpRequestHandler<CallToolRequestParams, ResultOrAlternate<CallToolResult>> next,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        var support = context.MatchedPrimitive is McpServerTool tool ? TaskSupportAttribute.For(tool) : null;
        var mode = support?.Mode ?? TaskSupport.Forbidden;
        bool gathersInputFirst = support?.InputFirst == true && context.Params?.InputResponses is not { Count: > 0 };
        if (mode == TaskSupport.Forbidden || gathersInputFirst && DeclaresTasks(context.JsonRpcRequest))
        {
            return next(context, cancellationToken);
        }

        return DeclaresTasks(context.JsonRpcRequest) || mode == TaskSupport.Required
            ? CallAsTaskAsync(view, next, context, cancellationToken)
            : next(context, cancellationToken);
    }

    private async ValueTask<ResultOrAlternate<CallToolResult>> CallAsTaskAsync(
        McpServerView view,
        McpRequestHandler<CallToolRequestParams, ResultOrAlternate<CallToolResult>> next,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        if (!DeclaresTasks(context.JsonRpcRequest))
        {
            throw MissingTasksCapability(); // the tool requires a task, and the request cannot take one
        }

        // Decided now (a refusal is audited) and again when a worker runs it, with the rate limits and the call's audit event.
        string exposed = context.Params?.Name ?? string.Empty;
        if (!view.TryResolveName(exposed, out var server, out var name))
        {
            return await next(context, cancellationToken);
        }

        if (RemoteTasksOf(server) is not null)
        {
            return await StartRemoteTaskAsync(server, name, next, context, cancellationToken);
        }

        var principal = context.User.ToAccessPrincipal();
        var decision = await guard.AuthorizeAsync(principal, RequestMethods.ToolsCall, Actions.CallTool, $"{server}/{name}", cancellationToken);
        if (!decision.Allowed)
        {
            throw new McpProtocolException($"Permission denied: {principal.Id} may not call the tool '{exposed}'; {decision.Reason}.", decision.ErrorCode!.Value);
        }

        // The call as the client made it, answers to earlier input rounds included; the worker replays it.
        var call = JsonSerializer.SerializeToNode(context.Params, McpJsonUtilities.DefaultOptions) as JsonObject ?? [];
        var payload = new ToolCallPayload(server, name, call["arguments"] as JsonObject)
        {
            InputResponses = call["inputResponses"] as JsonObject,
            RequestState = call["requestState"]?.GetValue<string>(),
            Credential = principal.Credential, // revoking the key stops the task if it has not run yet
        };
        var job = await queue.EnqueueAsync(
            new JobDraft(ToolCallJobHandler.JobKind, principal.Id, principal.Roles.Roles, JsonSerializer.Serialize(payload, WorkflowsJson.Default.ToolCallPayload)),
            cancellationToken);
        return Created(job);
    }

    // The answer to a call that became a task: the job's handle, sent once its row is committed.
    private ResultOrAlternate<CallToolResult> Created(Job job)
    {
        var created = new CreateTaskResult
        {
            TaskId = job.Id,
            Status = "working",
            CreatedAt = Timestamp(job.CreatedAt),
            LastUpdatedAt = Timestamp(job.UpdatedAt),
            TtlMs = (long)options.Value.ResultRetention.TotalMilliseconds,
            PollIntervalMs = (long)options.Value.TaskPollInterval.TotalMilliseconds,
            ResultType = "task",
        };
        return ResultOrAlternate<CallToolResult>.FromAlternate(created, WorkflowsJson.Default.CreateTaskResult);
    }

    private async ValueTask<JsonNode?> GetAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (taskId, principal) = Gate(context);
        var job = await queue.GetAsync(taskId, principal.Id, cancellationToken) ?? throw UnknownTask(taskId);
        return Describe(job);
    }

    private async ValueTask<JsonNode?> UpdateAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (taskId, principal) = Gate(context);
        var responses = context.Params?["inputResponses"] switch
        {
            null => [],
            JsonObject given => given,
            _ => throw new McpProtocolException("tasks/update: inputResponses must be an object keyed by the task's inputRequests keys.", McpErrorCode.InvalidParams),
        };
        _ = await queue.AddInputResponsesAsync(taskId, principal.Id, responses, cancellationToken) ?? throw UnknownTask(taskId);
        return Acknowledgement();
    }

    private async ValueTask<JsonNode?> CancelAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (taskId, principal) = Gate(context);
        // A finished task is left as it is and the cancel is acknowledged all the same (SEP-2663: cancellation is
        // cooperative, and -32602 is for unknown task ids only); tasks/get still shows how it ended.
        var outcome = await queue.CancelAsync(taskId, principal.Id, cancellationToken);
        if (outcome == CancelOutcome.NotFound)
        {
            throw UnknownTask(taskId);
        }

        if (outcome == CancelOutcome.Cancelled)
        {
            // No worker runs it (queued, or parked for input), so none will tell the remote server: this replica does.
            await ForwardCancelIfRemoteAsync(taskId, principal.Id, cancellationToken);
        }

        return Acknowledgement();
    }

    private JsonObject Describe(Job job)
    {
        var task = new JsonObject
        {
            ["taskId"] = job.Id,
            ["status"] = Status(job.State),
            ["createdAt"] = Timestamp(job.CreatedAt),
            ["lastUpdatedAt"] = Timestamp(job.UpdatedAt),
            ["ttlMs"] = (long)options.Value.ResultRetention.TotalMilliseconds,
            ["pollIntervalMs"] = (long)options.Value.TaskPollInterval.TotalMilliseconds,
            ["resultType"] = "complete",
        };
        switch (job.State)
        {
            case JobState.Completed when job.Result is { } result:
                task["result"] = JsonNode.Parse(result);
                break;
            case JobState.Failed when job.Error is { } error:
                task["error"] = JsonNode.Parse(error);
                break;
            case JobState.Dead:
                task["error"] = new JsonObject { ["code"] = (int)McpErrorCode.InternalError, ["message"] = $"The task was abandoned after {job.Attempts} attempts: {job.LastError}" };
                task["statusMessage"] = "dead-lettered";
                break;
            case JobState.InputRequired when job.InputRequests is { } requests:
                var pending = JsonNode.Parse(requests)?["inputRequests"] as JsonObject ?? [];
                var answered = job.InputResponses is { } responses ? JsonNode.Parse(responses) as JsonObject : null;
                task["inputRequests"] = new JsonObject(pending.Where(p => answered?.ContainsKey(p.Key) != true).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
                break;
        }

        return task;
    }

    private static string Status(JobState state) => state switch
    {
        JobState.Queued or JobState.Running => "working",
        JobState.InputRequired => "input_required",
        JobState.Completed => "completed",
        JobState.Cancelled => "cancelled",
        _ => "failed",
    };

    private static (string TaskId, AccessPrincipal Principal) Gate(RequestContext<JsonNode?> context)
    {
        if (!DeclaresTasks(context.JsonRpcRequest))
        {
            throw MissingTasksCapability();
        }

        string taskId = context.Params?["taskId"] is JsonValue value && value.TryGetValue<string>(out var id) && id.Length > 0
            ? id
            : throw new McpProtocolException($"{context.JsonRpcRequest.Method}: params.taskId (a string) is required.", McpErrorCode.InvalidParams);
        return (taskId, context.User.ToAccessPrincipal());
    }

    // The extension is negotiated per request (2026-07-28): the request's own client capabilities, or its _meta.
    private static bool DeclaresTasks(JsonRpcRequest request) =>
        request.Context?.ClientCapabilities?.Extensions?.ContainsKey(ExtensionId) == true ||
        request.Params?["_meta"]?[ClientCapabilitiesMetaKey]?["extensions"] is JsonObject extensions && extensions.ContainsKey(ExtensionId);

    private static JsonObject RequiredTasksCapability() =>
        new() { ["requiredCapabilities"] = new JsonObject { ["extensions"] = new JsonObject { [ExtensionId] = new JsonObject() } } };

    private static MissingRequiredClientCapabilityException MissingTasksCapability() =>
        new(new ClientCapabilities { Extensions = new Dictionary<string, object> { [ExtensionId] = new JsonObject() } },
            $"This request needs the '{ExtensionId}' client extension: declare it in _meta.{ClientCapabilitiesMetaKey}.extensions.");

    // Another principal's task answers exactly as a task that does not exist.
    private static McpProtocolException UnknownTask(string taskId) =>
        new($"Unknown task '{taskId}'.", McpErrorCode.InvalidParams);

    private static JsonObject Acknowledgement() => new() { ["resultType"] = "complete" };

    private static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
