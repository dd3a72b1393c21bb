using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Access;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Model;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Repositories;
using Switchboard.Workflows.Queue;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Agents.Runtime;

/// <summary>A gateway tool as offered to a model: its function name (<c>server__tool</c>), its target and whether it needs approval.</summary>
public sealed record AgentTool(string FunctionName, string Target, bool Destructive, AIFunctionDeclaration Declaration);

/// <summary>How one tool call of an agent ended.</summary>
public abstract record AgentToolOutcome
{
    /// <summary>The tool answered (maybe with an error it reports), or the call was refused: either way the model reads it.</summary>
    public sealed record Answered(bool IsError, JsonNode? Content) : AgentToolOutcome;

    /// <summary>A rate limit refused it for now: the same call is made again after <paramref name="After"/>.</summary>
    public sealed record Deferred(string Reason, TimeSpan After) : AgentToolOutcome;

    /// <summary>The key that started the run was revoked or expired: the agent stops, it can call nothing more.</summary>
    public sealed record Stopped(string Reason) : AgentToolOutcome;
}

/// <summary>
/// The gateway's own tools, for an agent: offered only when the run's principal may call them (the policy) and the
/// agent's patterns name them; called through <see cref="ToolCallJobHandler"/>, the path a queued tool call takes, so
/// the policy is decided again, the principal's rate limits apply and the call is audited as the principal. A call of
/// a tool the agent was not offered is refused and audited here.
/// </summary>
public sealed class AgentToolbox(McpServerRegistry registry, AccessGuard guard, ToolCallJobHandler tools, IAuditStore audit, TimeProvider time)
{
    /// <summary>The tools <paramref name="principal"/> may call that <paramref name="patterns"/> name, by function name.</summary>
    public IReadOnlyDictionary<string, AgentTool> Offered(AccessPrincipal principal, IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(patterns);
        var view = registry.Aggregate;
        var offered = new Dictionary<string, AgentTool>(StringComparer.Ordinal);
        foreach (var tool in view.Tools)
        {
            var protocol = tool.ProtocolTool;
            if (!view.IsListed(protocol.Name) || !view.TryResolveName(protocol.Name, out var server, out var name))
            {
                continue;
            }

            string target = $"{server}/{name}";
            if (ToolPatterns.Matches(patterns, target) && guard.Allows(principal, Actions.CallTool, target))
            {
                var declaration = AIFunctionFactory.CreateDeclaration(protocol.Name, protocol.Description ?? protocol.Title ?? target, protocol.InputSchema);
                offered[protocol.Name] = new AgentTool(protocol.Name, target, protocol.Annotations?.DestructiveHint == true, declaration);
            }
        }

        return offered;
    }

    /// <summary>Calls <paramref name="tool"/> as the job's principal, with the key that started the run (<paramref name="credential"/>, if any).</summary>
    public async Task<AgentToolOutcome> CallAsync(Job job, string? credential, AgentTool tool, JsonObject arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(tool);
        string[] parts = tool.Target.Split('/', 2);
        var payload = JsonSerializer.Serialize(new ToolCallPayload(parts[0], parts[1], arguments) { Credential = credential }, AgentsJson.Default.ToolCallPayload);
        var outcome = await tools.CallAsync(job with { Kind = ToolCallJobHandler.JobKind, Payload = payload, InputRequests = null, InputResponses = null }, cancellationToken);
        return outcome switch
        {
            JobOutcome.Completed completed => Read(JsonSerializer.Deserialize<CallToolResult>(completed.Result, McpJsonUtilities.DefaultOptions)!),
            JobOutcome.Failed failed => Refused(failed.Error),
            JobOutcome.Retry { After: { } after } limited => new AgentToolOutcome.Deferred(limited.Reason, after),
            JobOutcome.Retry retry => new AgentToolOutcome.Answered(true, $"the call failed and may work later: {retry.Reason}"),
            _ => new AgentToolOutcome.Answered(true, $"the tool '{tool.Target}' asked for input, which an agent cannot give"),
        };
    }

    /// <summary>Refuses, and audits as the principal, a call of <paramref name="target"/> the agent was not offered.</summary>
    public async Task<AgentToolOutcome> RefuseAsync(string principalId, string target, string reason, CancellationToken cancellationToken)
    {
        var details = new JsonObject { ["decision"] = reason, ["by"] = "agent" };
        await audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), principalId, RequestMethods.ToolsCall, target, "denied", details.ToJsonString()), cancellationToken);
        return new AgentToolOutcome.Answered(true, $"Permission denied: {reason}.");
    }

    /// <summary>Audits a decision about a destructive call: approved, rejected or timed out.</summary>
    public Task AuditApprovalAsync(string actor, string target, string outcome, string? comment, CancellationToken cancellationToken)
    {
        var details = new JsonObject { ["comment"] = comment };
        return audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), actor, "agents/approval", target, outcome, details.ToJsonString()), cancellationToken);
    }

    // A refusal the model reads, unless the run's key is gone: then there is nothing more the agent may do.
    private static AgentToolOutcome Refused(string error)
    {
        var parsed = JsonNode.Parse(error);
        string message = parsed?["message"]?.GetValue<string>() ?? error;
        return parsed?["data"]?["reason"]?.GetValue<string>() == ToolCallJobHandler.CredentialRefused
            ? new AgentToolOutcome.Stopped(message)
            : new AgentToolOutcome.Answered(true, message);
    }

    // What the model reads: structured content when the tool gives it, else its text (as JSON when it is JSON).
    private static AgentToolOutcome.Answered Read(CallToolResult result)
    {
        if (result.StructuredContent is { } structured)
        {
            return new(result.IsError == true, JsonSerializer.SerializeToNode(structured, McpJsonUtilities.DefaultOptions));
        }

        string text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        return new(result.IsError == true, text);
    }
}
