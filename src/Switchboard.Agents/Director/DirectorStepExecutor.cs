using Microsoft.Extensions.DependencyInjection;
using System.Data.Common;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Policy;
using Switchboard.Storage;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents.Director;

/// <summary>
/// Runs a <c>director</c> step (the <see cref="DirectorRuns.Workflow"/> workflow's only step): its arguments'
/// <c>request</c> is a <see cref="DirectorRequest"/>, run as the run's principal. The result so far and the Director's
/// checkpoint are the step's state, saved before each thing the Director does, so <c>GET /api/v1/runs/{id}</c> shows
/// its trace while it works, and an attempt after a crash goes on from there (it waits for the plan's run the last
/// attempt started) instead of planning again. A budget that
/// stops it completes the step with the partial result; a Director that fails fails the step (the trace stays in its
/// output). Cancelling the run, or revoking the key that started it, stops it and the plan's run in flight.
/// </summary>
internal sealed class DirectorStepExecutor(IServiceProvider services, WorkflowStore store, TimeProvider time) : IStepExecutor
{
    private static readonly TimeSpan CancelCheck = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public string Kind => StepKinds.Director;

    /// <inheritdoc />
    public async Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        DirectorRequest request;
        try
        {
            request = DirectorRequest.FromJson(context.Input?["request"]);
        }
        catch (ArgumentException e)
        {
            return new StepResult.Failed(e.Message);
        }

        // The Director lives beside the registry it reads; resolved here, not at construction, like the agents' catalog.
        var director = services.GetRequiredService<DirectorAgent>();
        var principal = context.Principal; // with the run's key, so the plan's runs stop with it too
        string runId = context.IdempotencyKey[..context.IdempotencyKey.LastIndexOf(':')];

        // Whoever starts it (REST, MCP, or a workflow of their own with a director step) needs agents:run.
        if (!services.GetRequiredService<AccessGuard>().Allows(principal, Actions.RunAgents, $"{Mcp.AgentsServer.Name}/{Mcp.AgentsServer.DirectorName}"))
        {
            return new StepResult.Failed($"Permission denied: {principal.Id} may not run agents ({Actions.RunAgents}).");
        }

        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchAsync(runId, principal, cancelled);
        var saved = context.State;
        try
        {
            var result = await director.RunAsync(request, principal, context.State, (state, ct) =>
            {
                saved = state;
                return context.SaveStateAsync(state, ct);
            }, cancelled.Token);
            return result.Succeeded || result.Stopped is not null ? new StepResult.Succeeded(result.ToJson()) : new StepResult.Failed(result.Error ?? "The Director failed.");
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The Director's run was cancelled, or its key revoked: the plan's run stops too. (A worker shutting down
            // leaves it to the next one.)
            if (DirectorAgent.InFlight(saved) is { } planRun)
            {
                await services.GetRequiredService<WorkflowEngine>().CancelAsync(planRun, principal.Id, CancellationToken.None);
            }

            return new StepResult.Failed(await watch ?? "the run was cancelled");
        }
        catch (Exception e) when (e is not (OperationCanceledException or StorageException or DbException))
        {
            // Not worth a new attempt: it would plan again from the start and spend again.
            return new StepResult.Failed($"the Director failed: {e.Message}");
        }
        finally
        {
            await cancelled.CancelAsync();
            await watch;
        }
    }

    // The engine does not interrupt a running step when its run is cancelled, nor when the key that started it stops
    // speaking for anyone: this notices either, stops the Director (its model turns cost, and its plan's tool calls
    // would be refused), and says why.
    private async Task<string?> WatchAsync(string runId, AccessPrincipal principal, CancellationTokenSource director)
    {
        var keys = services.GetRequiredService<ApiKeyService>();
        try
        {
            using var timer = new PeriodicTimer(CancelCheck, time);
            while (await timer.WaitForNextTickAsync(director.Token))
            {
                string? stop = await store.GetRunAsync(runId, principal.Id, director.Token) is not { Run.IsTerminal: false } ? "the run was cancelled"
                    : principal.Credential is { } key && await keys.StandingProblemAsync(key, director.Token) is { } problem
                        ? $"the API key {key} that started this run is {problem}"
                    : null;
                if (stop is not null)
                {
                    await director.CancelAsync();
                    return stop;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the Director finished, or was stopped
        }

        return null;
    }
}
