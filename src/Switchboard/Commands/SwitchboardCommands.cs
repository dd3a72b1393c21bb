using System.CommandLine;

namespace Switchboard.Host.Commands;

/// <summary>The command tree: <c>serve</c> (the default), <c>mcp</c>, <c>healthcheck</c>, <c>version</c> and the database commands.</summary>
internal static class SwitchboardCommands
{
    public static RootCommand Create()
    {
        var serve = ServeCommand.Create();
        var root = new RootCommand(
            "Switchboard: one MCP front door for every tool your agents call. Without a command, runs 'serve'.")
        {
            serve,
            McpCommand.Create(),
            WorkerCommand.Create(),
            HealthcheckCommand.Create(),
            VersionCommand.Create(),
            KeysCommand.Create(),
            RolesCommand.Create(),
            ServersCommand.Create(),
            AuditCommand.Create(),
            WorkflowsCommand.Create(),
            RunsCommand.Create(),
            AgentsCommand.Create(),
            DirectorCommand.Create(),
        };
        foreach (var command in StorageCommandSet.Create())
        {
            root.Subcommands.Add(command);
        }

        // `switchboard` alone, or with only serve's options, serves.
        foreach (var option in serve.Options)
        {
            root.Options.Add(option);
        }

        root.TreatUnmatchedTokensAsErrors = false;
        root.Action = serve.Action;
        return root;
    }
}
