using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Switchboard.Tools;

/// <summary>
/// The tasks (<c>io.modelcontextprotocol/tasks</c>, SEP-2663) of the remote server behind a catalog. A caller's task
/// for one of its tools is the gateway's own durable task, whose job follows the remote task through these methods.
/// </summary>
public interface IRemoteTasks
{
    /// <summary><c>tasks/get</c>: the remote task as its server describes it (status, <c>inputRequests</c>, <c>result</c> or <c>error</c>).</summary>
    /// <exception cref="ModelContextProtocol.McpProtocolException">The server's own error, or the gateway's upstream error.</exception>
    ValueTask<JsonObject> GetAsync(string taskId, CancellationToken cancellationToken);

    /// <summary><c>tasks/update</c>: the caller's answers to the remote task's input requests, keyed as it asked.</summary>
    ValueTask UpdateAsync(string taskId, JsonObject inputResponses, CancellationToken cancellationToken);

    /// <summary><c>tasks/cancel</c>.</summary>
    ValueTask CancelAsync(string taskId, CancellationToken cancellationToken);
}

/// <summary>
/// Put in a <c>tools/call</c>'s <c>Items</c> (under <see cref="ItemKey"/>) when the caller asked for a task of a remote
/// tool: the tool then asks its server for a task and records the server's task here instead of waiting for the result.
/// A server may still answer at once (a result, or an input-required round); then <see cref="TaskId"/> stays null.
/// </summary>
public sealed class RemoteTaskStart
{
    /// <summary>The key in <c>MessageContext.Items</c>.</summary>
    public const string ItemKey = "switchboard.remote-task-start";

    /// <summary>The remote task's id, once the server made one.</summary>
    public string? TaskId { get; set; }

    /// <summary>How often the server asked to be polled, if it said.</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>
    /// What the tool returns in place of a result once the server made a task. The gateway gives out its own task only
    /// when this very object comes back through the call's filters: one that refused the call afterwards (its audit
    /// event could not be written) returns something else.
    /// </summary>
    public CallToolResult Accepted { get; } = new() { Content = [] };
}
