namespace Switchboard.Policy;

/// <summary>The actions a permission can grant. Resource-scoped ones take a <c>server/name</c> scope.</summary>
public static class Actions
{
    /// <summary>Call a tool; scope <c>server/tool</c>. Also decides which tools <c>tools/list</c> shows.</summary>
    public const string CallTool = "tools:call";

    /// <summary>Read a resource; scope <c>server/uri</c>. Also decides what <c>resources/list</c> shows.</summary>
    public const string ReadResource = "resources:read";

    /// <summary>Get a prompt; scope <c>server/prompt</c>. Also decides what <c>prompts/list</c> shows.</summary>
    public const string GetPrompt = "prompts:get";

    /// <summary>Create, list, revoke and rotate API keys; creating and rotating only keys whose roles' permissions the caller holds.</summary>
    public const string ManageKeys = "admin:keys";

    /// <summary>Read and verify the audit trail.</summary>
    public const string ReadAudit = "admin:audit";

    /// <summary>Register and change servers; a stdio server's command needs <see cref="RunCommands"/> too.</summary>
    public const string ManageServers = "admin:servers";

    /// <summary>
    /// Run commands on the gateway host: register a stdio server or change its command, arguments, environment or
    /// working directory. The gateway runs that command as its own user, which can read its database and make keys, so
    /// this is as much as full administration: among the built-in roles only <c>admin</c> has it.
    /// </summary>
    public const string RunCommands = "admin:commands";

    /// <summary>Create, change and delete custom roles: only the administrator has it, as it can grant anything.</summary>
    public const string ManageRoles = "admin:roles";

    /// <summary>Add workflow definitions (new versions) and read them.</summary>
    public const string ManageWorkflows = "admin:workflows";

    /// <summary>Start, follow, cancel and approve one's own workflow runs; each tool step is still decided as <see cref="CallTool"/>.</summary>
    public const string RunWorkflows = "workflows:run";

    /// <summary>Add custom agent declarations (new versions) and read them.</summary>
    public const string ManageAgents = "admin:agents";

    /// <summary>Start runs of custom agents (followed through the runs API, with <see cref="RunWorkflows"/>); each tool call is still decided as <see cref="CallTool"/>.</summary>
    public const string RunAgents = "agents:run";

    /// <summary>Every action; a permission's action glob must match at least one of them.</summary>
    public static IReadOnlyList<string> All { get; } = [CallTool, ReadResource, GetPrompt, ManageKeys, ReadAudit, ManageServers, ManageRoles, ManageWorkflows, RunWorkflows, ManageAgents, RunAgents, RunCommands];
}
