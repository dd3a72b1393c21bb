using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Workflows.Queue;

namespace Switchboard.Workflows.Tasks;

/// <summary>What a <c>tool-call</c> job carries: the tool by its owning server and own name, and the call's parameters.</summary>
/// <param name="Server">The registered server.</param>
/// <param name="Tool">The tool's name on that server.</param>
/// <param name="Arguments">The call's arguments.</param>
public sealed partial record ToolCallPayload(string Server, string Tool, JsonObject? Arguments)
{
    /// <summary>Answers to input rounds the call had before it became a task (MRTR, then a task).</summary>
    public JsonObject? InputResponses { get; init; }

    /// <summary>The request state of those rounds.</summary>
    public string? RequestState { get; init; }

    /// <summary>
    /// The public prefix of the API key behind the call: the one the task was created with, or that started the
    /// workflow run making it (<see cref="AccessPrincipal.Credential"/>). The call is refused once that key is revoked
    /// or expires. Null when there is none (a JWT caller), and in jobs queued before this field existed.
    /// </summary>
    public string? Credential { get; init; }
}

/// <summary>
/// Runs a tool call as a job, through the same access path as a direct call: <see cref="AccessGuard"/> decides it
/// again at execution (the policy as it is then, the principal's rate limits), and audits it as the job's principal.
/// A call whose key (<see cref="ToolCallPayload.Credential"/>) has since been revoked or has expired is refused and
/// audited as denied: the key's holder lost it, so the work it queued stops with it.
/// A tool that asks for input (an MRTR input request) parks the job until the client answers with <c>tasks/update</c>,
/// then runs again with the answers.
/// </summary>
public sealed partial class ToolCallJobHandler(McpServerRegistry registry, AccessGuard guard, ApiKeyService keys, IServiceProvider services, ILoggerFactory loggers) : IJobHandler, IAsyncDisposable
{
    /// <summary>The job kind.</summary>
    public const string JobKind = "tool-call";

    /// <summary>
    /// The <c>data.reason</c> of the error of a call refused because its key was revoked or expired: the work it
    /// belongs to (an agent's loop) should stop rather than go on without it.
    /// </summary>
    public const string CredentialRefused = "credential-refused";

    private readonly Lazy<McpServer> _server = new(() => McpServer.Create(new DetachedTransport(), new McpServerOptions(), loggers, services));

    /// <inheritdoc />
    public string Kind => JobKind;

    /// <inheritdoc />
    public async Task<JobOutcome> RunAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var payload = JsonSerializer.Deserialize(job.Payload, WorkflowsJson.Default.ToolCallPayload)
            ?? throw new InvalidOperationException($"Job {job.Id} has no payload.");
        if (payload.Awaits is { } awaited)
        {
            return await RecheckAsync(job, awaited, cancellationToken); // the call was made: only its run is awaited
        }

        string target = $"{payload.Server}/{payload.Tool}";
        if (!registry.TryGetServerView(payload.Server, out var view) || !view.Tools.TryGetPrimitive(payload.Tool, out var tool))
        {
            return Failed(McpErrorCode.InvalidParams, $"The tool '{target}' is no longer registered.");
        }

        var principal = new AccessPrincipal(job.PrincipalId, new RoleSet(job.PrincipalRoles)) { Credential = payload.Credential };
        // Checked on every call, with the lookup a request's key gets: a revocation stops queued work as soon as it
        // stops requests, and a run's step queued before it is refused when it comes to run.
        string? lost = payload.Credential is { } credential && await keys.StandingProblemAsync(credential, cancellationToken) is { } problem
            ? $"the API key {credential} that started this work is {problem}"
            : null;
        var arguments = payload.Arguments?.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, WorkflowsJson.Default.JsonNode));
        var grant = lost is null
            ? await guard.AuthorizeToolCallAsync(principal, target, arguments, cancellationToken)
            : await guard.RefuseToolCallAsync(principal, target, lost, cancellationToken);
        if (!grant.Allowed)
        {
            return grant.Outcome == AccessOutcome.Denied
                ? Failed((McpErrorCode)grant.ErrorCode!.Value, $"Permission denied: {principal.Id} may no longer call the tool '{target}'; {grant.Reason}.", lost is null ? null : CredentialRefused)
                : new JobOutcome.Retry($"{grant.Reason} (retry after {grant.RetryAfterSeconds} s)") { After = TimeSpan.FromSeconds(grant.RetryAfterSeconds) };
        }

        var request = CallParameters(job, payload);
        var context = new RequestContext<CallToolRequestParams>(_server.Value, new JsonRpcRequest { Id = new RequestId(job.Id), Method = RequestMethods.ToolsCall, Params = JsonSerializer.SerializeToNode(request, McpJsonUtilities.DefaultOptions) }, request)
        {
            Services = services,
            MatchedPrimitive = tool,
            // The job's principal, for a tool that acts as its caller (workflows__run starts the run as them).
            // With the key, so a run it starts records it, and stops with it too.
            User = new ClaimsPrincipal(new ClaimsIdentity(
                [
                    new Claim(SwitchboardClaims.Principal, job.PrincipalId),
                    .. job.PrincipalRoles.Select(r => new Claim(SwitchboardClaims.Role, r)),
                    .. payload.Credential is { } key ? [new Claim(SwitchboardClaims.ApiKey, key)] : Array.Empty<Claim>(),
                ],
                "switchboard-job")),
        };

        CallToolResult result;
        try
        {
            result = await tool.InvokeAsync(context, cancellationToken);
        }
        catch (InputRequiredException input)
        {
            await guard.CompleteToolCallAsync(grant, ToolCallOutcome.Ok, CancellationToken.None);
            return new JobOutcome.NeedsInput(JsonSerializer.Serialize(input.Result, McpJsonUtilities.DefaultOptions));
        }
        catch (RunPendingException pending)
        {
            await guard.CompleteToolCallAsync(grant, ToolCallOutcome.Ok, CancellationToken.None);
            return Await(payload, pending);
        }
        catch (McpProtocolException protocol)
        {
            await guard.CompleteToolCallAsync(grant, ToolCallOutcome.Failed, CancellationToken.None);
            return Failed(protocol.ErrorCode, protocol.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await guard.CompleteToolCallAsync(grant, ToolCallOutcome.Failed, CancellationToken.None);
            if (ex is HttpRequestException or IOException or TimeoutException)
            {
                return new JobOutcome.Retry(ex.Message); // an upstream that may come back
            }

            // What a direct call answers too: the tool ran and failed, which the model should read.
            result = new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"An error occurred invoking '{payload.Tool}'." }] };
        }
        catch (OperationCanceledException)
        {
            await guard.CompleteToolCallAsync(grant, ToolCallOutcome.Failed, CancellationToken.None);
            throw;
        }

        var recorded = await guard.CompleteToolCallAsync(grant, result.IsError == true ? ToolCallOutcome.ToolError : ToolCallOutcome.Ok, CancellationToken.None);
        return recorded.Allowed
            ? new JobOutcome.Completed(JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions))
            : new JobOutcome.Retry("the audit trail could not record the call, so its result is withheld");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated)
        {
            await _server.Value.DisposeAsync();
        }
    }

    // Input answered through tasks/update reaches the tool as a retried MRTR request would: inputResponses plus the
    // requestState the tool handed out.
    private static CallToolRequestParams CallParameters(Job job, ToolCallPayload payload)
    {
        var parameters = new JsonObject { ["name"] = payload.Tool, ["arguments"] = payload.Arguments?.DeepClone() ?? new JsonObject() };
        if (job.InputResponses is { } responses)
        {
            parameters["inputResponses"] = JsonNode.Parse(responses);
            if (job.InputRequests is { } requests && JsonNode.Parse(requests)?["requestState"] is { } state)
            {
                parameters["requestState"] = state.DeepClone();
            }
        }
        else if (payload.InputResponses is { } earlier)
        {
            parameters["inputResponses"] = earlier.DeepClone();
            parameters["requestState"] = payload.RequestState;
        }

        return parameters.Deserialize<CallToolRequestParams>(McpJsonUtilities.DefaultOptions)!;
    }

    private static JobOutcome.Failed Failed(McpErrorCode code, string message, string? reason = null)
    {
        var error = new JsonObject { ["code"] = (int)code, ["message"] = message };
        if (reason is not null)
        {
            error["data"] = new JsonObject { ["reason"] = reason };
        }

        return new(error.ToJsonString());
    }
}
