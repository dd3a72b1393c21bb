using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Agents.Custom;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Workflows;
using Switchboard.Tools;
using Switchboard.Workflows.Engine;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Agents.Mcp;

/// <summary>
/// The built-in <c>agents</c> server: one tool per stored custom agent (<c>agents__{name}</c> on <c>/mcp</c>), each run
/// only as an MCP task whose result is the agent's output. The tool list follows the stored agents: it is read again
/// when an agent is added in this process and every <see cref="Poll"/> (agents added through another replica), and
/// sessions get <c>notifications/tools/list_changed</c> when it changes.
/// </summary>
// The catalog is created while the registry is built, and the agent runtime needs the registry: AgentCatalog is
// resolved on first use, not injected, so the two do not depend on each other at construction.
public sealed partial class AgentsServer(IServiceProvider services, ILogger<AgentsServer> logger)
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "agents";

    /// <summary>How often the list is read again for agents added elsewhere.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly Dictionary<string, int> _shown = new(StringComparer.Ordinal);
    private McpServerCatalog? _catalog;

    /// <summary>The catalog, created (and mounted) by the registry when the server is enabled.</summary>
    public McpServerCatalog CreateCatalog() =>
        _catalog ??= new McpServerCatalog(Name, "Runs the custom agents (docs/agents.md) as MCP tasks, one tool per agent.");

    /// <summary>Shows a tool for the latest version of each stored agent; nothing changes (and no list_changed is sent) when they are the same.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (_catalog is not { } catalog)
        {
            return; // not mounted here
        }

        var agents = services.GetRequiredService<AgentCatalog>();
        var latest = (await agents.ListAsync(cancellationToken)).GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.Max(v => v.Version), StringComparer.Ordinal);
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            if (latest.Count == _shown.Count && latest.All(p => _shown.TryGetValue(p.Key, out int v) && v == p.Value))
            {
                return;
            }

            var tools = new List<McpServerTool>();
            foreach (var (name, version) in latest.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var stored = await agents.GetAsync(name, version, cancellationToken);
                tools.Add(new AgentTool(name, Describe(name, stored?.Source)));
            }

            using (catalog.Tools.DeferChangedEvents())
            {
                catalog.Tools.Clear();
                foreach (var tool in tools)
                {
                    catalog.Tools.TryAdd(tool);
                }
            }

            _shown.Clear();
            foreach (var (name, version) in latest)
            {
                _shown[name] = version;
            }

            LogListed(logger, tools.Count);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    // The declaration's description, when it has one, leads the tool's.
    private static string Describe(string name, string? source)
    {
        string? declared = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(source ?? ""));
            if (stream.Documents is [{ RootNode: YamlMappingNode root }])
            {
                declared = (root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "description" }).Value as YamlScalarNode)?.Value;
            }
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // Stored sources were validated; an unreadable one just has no description.
        }

        const string How = "Runs only as a task: poll the task; its result is the agent's output (answer, stopped, usage) and the run's id. The run is yours: follow, cancel and approve it through /api/v1/runs/{runId}. Needs the agents:run permission.";
        return string.IsNullOrWhiteSpace(declared) ? $"The custom agent '{name}'. {How}" : $"{declared.Trim()} (custom agent '{name}') {How}";
    }

    [LoggerMessage(EventId = 7110, Level = LogLevel.Debug, Message = "The agents server lists {Count} agents.")]
    private static partial void LogListed(ILogger logger, int count);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "The agents server could not read the stored agents: {Reason}; it tries again in a few seconds.")]
    internal static partial void LogRefreshFailed(ILogger logger, string reason);

    /// <summary>Reads the stored agents again every <see cref="Poll"/>.</summary>
    internal sealed class Refresher(AgentsServer server, ILogger<AgentsServer> logger, TimeProvider time) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(Poll, time);
            do
            {
                try
                {
                    await server.RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRefreshFailed(logger, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
    }

    /// <summary>One custom agent as a task-only tool that starts its run as the caller and answers with its output.</summary>
    private sealed class AgentTool(string agent, string description) : McpServerTool
    {
        private static readonly TimeSpan RunPoll = TimeSpan.FromMilliseconds(500);

        private static readonly JsonElement InputSchema = JsonDocument.Parse("""
            {
              "type": "object",
              "properties": {
                "input": { "type": ["string", "object"], "description": "The user's message: text, or a JSON object." }
              },
              "required": ["input"],
              "additionalProperties": false
            }
            """).RootElement.Clone();

        public override Tool ProtocolTool { get; } = new()
        {
            Name = agent,
            Description = description,
            InputSchema = InputSchema,
            Annotations = new ToolAnnotations { Title = $"Agent {agent}", OpenWorldHint = true },
        };

        public override IReadOnlyList<object> Metadata { get; } = [new TaskSupportAttribute(TaskSupport.Required)];

        public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        {
            var services = request.Services ?? throw new InvalidOperationException("The tool has no services.");
            var principal = request.User.ToAccessPrincipal();

            // Calling the tool (tools:call, decided by the access path) is not enough: running an agent needs agents:run,
            // as POST /api/v1/agents/{name}/runs does. A refusal is audited as the caller.
            var guard = services.GetRequiredService<AccessGuard>();
            var decision = await guard.AuthorizeAsync(principal, RequestMethods.ToolsCall, Actions.RunAgents, $"{Name}/{agent}", cancellationToken);
            if (!decision.Allowed)
            {
                throw new McpProtocolException($"Permission denied: {principal.Id} may not run agents ({Actions.RunAgents}); {decision.Reason}.", decision.ErrorCode ?? McpErrorCode.InvalidRequest);
            }

            JsonNode? input = request.Params?.Arguments is { } arguments && arguments.TryGetValue("input", out var given) ? JsonNode.Parse(given.GetRawText()) : null;
            if (input is not (JsonValue or JsonObject) || input is JsonValue value && value.GetValueKind() != JsonValueKind.String)
            {
                return Error("Send the agent's input: {\"input\": \"<text>\"} or {\"input\": {…}}.");
            }

            // The task's request (its job) names the run, so a job run again after its worker died finds the run it
            // started instead of starting a second one.
            string runId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"mcp-task:{principal.Id}:{request.JsonRpcRequest.Id}")))[..32];
            RunSnapshot run;
            try
            {
                run = await services.GetRequiredService<AgentCatalog>().StartAsync(agent, version: null, input, principal, runId, cancellationToken);
            }
            catch (WorkflowRunException e)
            {
                return Error(e.Message);
            }

            // Waits for the run (the task stays "working"); cancelling the task stops the wait, not the run.
            var store = services.GetRequiredService<WorkflowStore>();
            while (!run.Run.IsTerminal)
            {
                await Task.Delay(RunPoll, cancellationToken);
                run = await store.GetRunAsync(run.Run.Id, principal.Id, cancellationToken) ?? run;
            }

            var step = run.Step("agent");
            var result = new JsonObject
            {
                ["runId"] = run.Run.Id,
                ["state"] = WorkflowStore.Name(run.Run.State),
                ["error"] = run.Run.Error ?? step?.Error,
                ["output"] = step?.Output is null ? null : JsonNode.Parse(step.Output),
            };
            return new CallToolResult
            {
                IsError = run.Run.State != RunState.Completed,
                Content = [new TextContentBlock { Text = result.ToJsonString() }],
            };
        }

        private static CallToolResult Error(string message) =>
            new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
    }
}
