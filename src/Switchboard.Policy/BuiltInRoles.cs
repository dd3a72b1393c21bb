namespace Switchboard.Policy;

/// <summary>The roles every installation has.</summary>
public static class BuiltInRoles
{
    /// <summary>Everything, including keys, servers, commands on the gateway host and the audit trail.</summary>
    public const string Admin = "admin";

    /// <summary>
    /// Runs the gateway: every tool, resource and prompt, HTTP servers, workflows, agents and the audit trail; not keys,
    /// roles, nor stdio servers' commands (<see cref="Actions.RunCommands"/>: running a command on the host is full administration).
    /// </summary>
    public const string Operator = "operator";

    /// <summary>What an agent or an MCP client needs: every tool, resource and prompt.</summary>
    public const string Agent = "agent";

    /// <summary>Looks without acting: resources, prompts and the audit trail; no tool calls.</summary>
    public const string Viewer = "viewer";

    /// <summary>The built-in roles and their permissions.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> All { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Admin] = ["*"],
        [Operator] = [Actions.CallTool, Actions.ReadResource, Actions.GetPrompt, Actions.ManageServers, Actions.ReadAudit, Actions.ManageWorkflows, Actions.RunWorkflows, Actions.ManageAgents, Actions.RunAgents],
        [Agent] = [Actions.CallTool, Actions.ReadResource, Actions.GetPrompt, Actions.RunWorkflows, Actions.RunAgents],
        [Viewer] = [Actions.ReadResource, Actions.GetPrompt, Actions.ReadAudit],
    };
}
