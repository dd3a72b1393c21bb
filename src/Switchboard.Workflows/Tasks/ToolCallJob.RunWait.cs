using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Queue;

namespace Switchboard.Workflows.Tasks;

public sealed partial record ToolCallPayload
{
    /// <summary>The run the call started and waits for (<see cref="RunPendingException"/>); null until it has started one.</summary>
    public AwaitedRun? Awaits { get; init; }
}

// A tool call that started a workflow run and answers with its end (RunPendingException) waits for it without holding
// a worker: the run's own steps need the workers, and tasks that held them all while waiting would stop every run.
public sealed partial class ToolCallJobHandler
{
    private static readonly TimeSpan InlinePoll = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Runs a tool call inside another job (a workflow's tool step, an agent's tool call): as <see cref="RunAsync"/>,
    /// except that a call waiting for the run it started is waited for here, in the caller's attempt, since the caller
    /// cannot park for it. It waits without its worker's place (<see cref="JobSlot.Lend"/>): the run's own steps need
    /// the workers.
    /// </summary>
    public async Task<JobOutcome> CallAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var outcome = await RunAsync(job, cancellationToken);
        if (outcome is not JobOutcome.Waiting)
        {
            return outcome;
        }

        using var lent = JobSlot.Current?.Lend();
        while (outcome is JobOutcome.Waiting waiting)
        {
            await Task.Delay(InlinePoll, cancellationToken);
            outcome = await RunAsync(job with { Payload = waiting.Payload }, cancellationToken);
        }

        return outcome;
    }

    // The call was authorized and audited when it started the run; from now on the job only waits for the run's end.
    private static JobOutcome.Waiting Await(ToolCallPayload payload, RunPendingException pending) =>
        new(JsonSerializer.Serialize(payload with { Awaits = new AwaitedRun(pending.RunId, pending.ResultStep) }, WorkflowsJson.Default.ToolCallPayload), TaskRuns.Recheck);

    private async Task<JobOutcome> RecheckAsync(Job job, AwaitedRun awaited, CancellationToken cancellationToken)
    {
        var run = await services.GetRequiredService<WorkflowStore>().GetRunAsync(awaited.RunId, job.PrincipalId, cancellationToken);
        if (run is null)
        {
            return Failed(McpErrorCode.InternalError, $"The run {awaited.RunId} that the call started no longer exists.");
        }

        return run.Run.IsTerminal
            ? new JobOutcome.Completed(JsonSerializer.Serialize(TaskRuns.Result(run, awaited.Step), McpJsonUtilities.DefaultOptions))
            : new JobOutcome.Waiting(job.Payload, TaskRuns.Recheck);
    }
}
