using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Switchboard.Storage.Workflows;

namespace Switchboard.Workflows.Tasks;

/// <summary>
/// Thrown by a task-only tool that has started a workflow run whose end is its answer (<c>workflows__run</c>,
/// <c>agents__{name}</c>, <c>agents__director</c>) while the run goes on: <see cref="ToolCallJobHandler"/> then parks
/// the task's job until the run ends, so that a task waiting for a run holds no worker (the run's own steps need them),
/// and answers with <see cref="TaskRuns.Result"/>.
/// </summary>
/// <param name="runId">The run started.</param>
/// <param name="resultStep">The step whose output is the answer (an agent's); null for the whole run's summary.</param>
public sealed class RunPendingException(string runId, string? resultStep) : Exception($"The run {runId} has not finished.")
{
    /// <summary>The run started.</summary>
    public string RunId { get; } = runId;

    /// <summary>The step whose output is the answer; null for the whole run's summary.</summary>
    public string? ResultStep { get; } = resultStep;
}

/// <summary>What a task's job waits for once it has started its run: the run, and which answer it gives when the run ends.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Step">The step whose output is the answer (an agent's); null for the whole run's summary.</param>
public sealed record AwaitedRun(string RunId, string? Step);

/// <summary>The runs that MCP tasks start, and the answers the tasks give when they end.</summary>
public static class TaskRuns
{
    /// <summary>
    /// How long a task waits before it looks at its run again when nothing woke it. The run's end wakes it at once
    /// (<see cref="Engine.WorkflowEngine"/>); this only bounds the wait when that wake-up was lost to a crash.
    /// </summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The id of the run that the request <paramref name="requestId"/> (a task's job id) starts: derived from it, so a
    /// job run again after its worker died finds the run it started instead of starting a second one, and the run's
    /// end finds the task that waits for it.
    /// </summary>
    public static string RunId(string principalId, string requestId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"mcp-task:{principalId}:{requestId}")))[..32];

    /// <summary>
    /// A finished run as its task's result: <c>{runId, state, error, output}</c> with <paramref name="step"/>'s output
    /// (an agent's answer), or with none <c>{runId, state, error, steps}</c>, each top-level step's state, output and
    /// error (fan-out items left out: the fan-out's output holds theirs). <c>isError</c> unless the run completed.
    /// </summary>
    public static CallToolResult Result(RunSnapshot run, string? step)
    {
        ArgumentNullException.ThrowIfNull(run);
        JsonObject result;
        if (step is not null)
        {
            var row = run.Step(step);
            result = new JsonObject
            {
                ["runId"] = run.Run.Id,
                ["state"] = WorkflowStore.Name(run.Run.State),
                ["error"] = run.Run.Error ?? row?.Error,
                ["output"] = row?.Output is null ? null : JsonNode.Parse(row.Output),
            };
        }
        else
        {
            result = new JsonObject
            {
                ["runId"] = run.Run.Id,
                ["state"] = WorkflowStore.Name(run.Run.State),
                ["error"] = run.Run.Error,
                ["steps"] = new JsonObject(run.Steps.Where(s => !s.Key.Contains('[', StringComparison.Ordinal)).Select(s => KeyValuePair.Create<string, JsonNode?>(s.Key, new JsonObject
                {
                    ["state"] = WorkflowStore.Name(s.State),
                    ["output"] = s.Output is null ? null : JsonNode.Parse(s.Output),
                    ["error"] = s.Error,
                }))),
            };
        }

        return new CallToolResult
        {
            IsError = run.Run.State != RunState.Completed,
            Content = [new TextContentBlock { Text = result.ToJsonString() }],
        };
    }
}
