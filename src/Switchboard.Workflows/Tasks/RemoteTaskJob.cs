using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using Switchboard.Errors;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Tools;
using Switchboard.Workflows.Queue;

namespace Switchboard.Workflows.Tasks;

/// <summary>What a <c>remote-task</c> job carries: the remote server and the id of the task it made for the call.</summary>
/// <param name="Server">The registered remote server.</param>
/// <param name="Tool">The tool's name on that server (for logs and errors).</param>
/// <param name="TaskId">The server's own task id.</param>
public sealed record RemoteTaskPayload(string Server, string Tool, string TaskId)
{
    /// <summary>How often the server asked to be polled, in milliseconds.</summary>
    public long? PollIntervalMs { get; init; }
}

/// <summary>
/// Follows a remote server's task (SEP-2663) as the gateway's own durable task. The remote task is made when the call
/// is made (<see cref="McpTasks"/>), so its id is in the job's row from the start: whichever worker runs the job, and
/// again after a crash, attaches to that task and never calls the tool a second time. It polls the task at the
/// server's interval; parks the job with the server's input requests and relays the answers (<c>tasks/update</c>);
/// records the server's result or error; forwards a cancel (<c>tasks/cancel</c>).
/// </summary>
public sealed partial class RemoteTaskJobHandler(McpServerRegistry registry, JobQueue queue, TimeProvider time, ILogger<RemoteTaskJobHandler> logger) : IJobHandler
{
    /// <summary>The job kind.</summary>
    public const string JobKind = "remote-task";

    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public string Kind => JobKind;

    /// <inheritdoc />
    public async Task<JobOutcome> RunAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var payload = Read(job.Id, job.Payload);
        if (RemoteTasksOf(payload.Server) is not { } remote)
        {
            // Not mounted (yet): a stored registration this replica has not loaded, or one removed. The queue's attempts bound the wait.
            return new JobOutcome.Retry($"the server '{payload.Server}' is not registered on this replica");
        }

        try
        {
            // Answers the caller gave through tasks/update while the job was parked: the remote task is waiting for them.
            var answered = new HashSet<string>(StringComparer.Ordinal);
            if (job.InputResponses is { } given && JsonNode.Parse(given) is JsonObject answers)
            {
                await remote.UpdateAsync(payload.TaskId, answers, cancellationToken);
                answered.UnionWith(answers.Select(a => a.Key));
            }

            var poll = PollInterval(payload.PollIntervalMs);
            while (true)
            {
                var task = await remote.GetAsync(payload.TaskId, cancellationToken);
                switch (Text(task["status"]))
                {
                    case "completed":
                        return new JobOutcome.Completed((task["result"] ?? new JsonObject()).ToJsonString());
                    case "failed":
                        return new JobOutcome.Failed(task["error"] is JsonObject error
                            ? error.ToJsonString()
                            : ErrorJson(McpErrorCode.InternalError, $"The task failed on the server '{payload.Server}'."));
                    case "cancelled":
                        return Failed(McpErrorCode.InternalError, $"The server '{payload.Server}' cancelled the task.");
                    // Still showing requests just answered means the server has not taken the answers in yet: poll on.
                    case "input_required" when task["inputRequests"] is JsonObject requests && requests.Any(r => !answered.Contains(r.Key)):
                        return new JobOutcome.NeedsInput(new JsonObject { ["inputRequests"] = requests.DeepClone() }.ToJsonString());
                    case "input_required":
                        break;
                    default:
                        answered.Clear(); // taken in: a later round may ask under the same keys again
                        break;
                }

                await Task.Delay(poll, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The attempt stops for a cancel, a lost lease or shutdown; only a cancel is the remote task's business.
            if ((await queue.GetAsync(job.Id, CancellationToken.None))?.CancelRequested == true)
            {
                await ForwardCancelAsync(job.Id, job.Payload, CancellationToken.None);
            }

            throw;
        }
        catch (McpProtocolException e) when (e.ErrorCode is SwitchboardErrorCodes.UpstreamUnavailable or SwitchboardErrorCodes.UpstreamTimeout or SwitchboardErrorCodes.UpstreamBusy)
        {
            return new JobOutcome.Retry(e.Message); // the server may come back; the task id stays
        }
        catch (McpProtocolException e)
        {
            return Failed(e.ErrorCode, e.Message); // the server's own refusal, such as a task it no longer knows
        }
    }

    /// <summary>
    /// Tells the remote server that the task of the job <paramref name="jobId"/> (its <paramref name="payload"/>) is
    /// cancelled: from the worker that ran it, or from the replica that cancelled it while it waited (queued, or parked
    /// for input). A failure is logged, not thrown: the gateway's task is cancelled either way.
    /// </summary>
    public async Task ForwardCancelAsync(string jobId, string payload, CancellationToken cancellationToken) =>
        await ForwardCancelAsync(jobId, Read(jobId, payload), cancellationToken);

    private async Task ForwardCancelAsync(string jobId, RemoteTaskPayload payload, CancellationToken cancellationToken)
    {
        if (RemoteTasksOf(payload.Server) is not { } remote)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CancelTimeout);
        try
        {
            await remote.CancelAsync(payload.TaskId, timeout.Token);
            LogCancelForwarded(logger, jobId, payload.Server, payload.TaskId);
        }
        catch (Exception e) when (e is McpException or OperationCanceledException or HttpRequestException)
        {
            LogCancelNotForwarded(logger, jobId, payload.Server, payload.TaskId, e.Message);
        }
    }

    private IRemoteTasks? RemoteTasksOf(string server) =>
        registry.TryGetServerView(server, out var view) ? view.Servers.Select(s => s.RemoteTasks).FirstOrDefault(r => r is not null) : null;

    private static RemoteTaskPayload Read(string jobId, string payload) =>
        JsonSerializer.Deserialize(payload, WorkflowsJson.Default.RemoteTaskPayload)
            ?? throw new InvalidOperationException($"Job {jobId} has no payload.");

    private static TimeSpan PollInterval(long? asked) =>
        asked is > 0 ? TimeSpan.FromMilliseconds(Math.Clamp(asked.Value, (long)MinPoll.TotalMilliseconds, (long)MaxPoll.TotalMilliseconds)) : DefaultPoll;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JobOutcome.Failed Failed(McpErrorCode code, string message) => new(ErrorJson(code, message));

    private static string ErrorJson(McpErrorCode code, string message) =>
        new JsonObject { ["code"] = (int)code, ["message"] = message }.ToJsonString();

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "Task {JobId} was cancelled; the cancel was forwarded to server '{Server}' (its task {RemoteTaskId}).")]
    private static partial void LogCancelForwarded(ILogger logger, string jobId, string server, string remoteTaskId);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Task {JobId} was cancelled, but the cancel could not be forwarded to server '{Server}' (its task {RemoteTaskId}): {Reason}")]
    private static partial void LogCancelNotForwarded(ILogger logger, string jobId, string server, string remoteTaskId, string reason);
}
