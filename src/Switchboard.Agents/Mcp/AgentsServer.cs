using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using WakeChannel = System.Threading.Channels.Channel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Director;
using Switchboard.Agents.Llm;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Workflows;
using Switchboard.Tools;
using Switchboard.Workflows.Engine;
using Switchboard.Workflows.Tasks;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Agents.Mcp;

/// <summary>
/// The built-in <c>agents</c> server: one tool per stored custom agent (<c>agents__{name}</c> on <c>/mcp</c>), each run
/// only as an MCP task whose result is the agent's output. The tool list follows the stored agents: it is read again
/// when an agent is added in this process, when another process announces an addition over Redis
/// (<see cref="Channel"/>, the way registry changes reach every replica), every <see cref="FallbackPoll"/> while Redis
/// is not there, and every <see cref="SafetyPoll"/> when it is; sessions get <c>notifications/tools/list_changed</c>
/// when it changes.
/// </summary>
// The catalog is created while the registry is built, and the agent runtime needs the registry: AgentCatalog is
// resolved on first use, not injected, so the two do not depend on each other at construction.
public sealed partial class AgentsServer(IServiceProvider services, RedisConnection redis, ILogger<AgentsServer> logger)
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "agents";

    /// <summary>The Director's tool (<c>agents__director</c>); no custom agent may take this name.</summary>
    public const string DirectorName = "director";

    /// <summary>The Redis channel (under the key prefix) on which an added agent is announced to every process.</summary>
    public const string Channel = "agents:changed";

    /// <summary>How often the list is read again while Redis is not configured or not reachable.</summary>
    public static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(5);

    /// <summary>How often the list is read again while Redis carries the announcements: only in case one was lost.</summary>
    public static readonly TimeSpan SafetyPoll = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly Dictionary<string, int> _shown = new(StringComparer.Ordinal);
    private McpServerCatalog? _catalog;

    /// <summary>The catalog, created (and mounted) by the registry when the server is enabled.</summary>
    public McpServerCatalog CreateCatalog()
    {
        if (_catalog is null)
        {
            _catalog = new McpServerCatalog(Name, "Runs the Director and the custom agents (docs/agents.md) as MCP tasks, one tool per agent.");
            if (DirectorOffered)
            {
                _catalog.Tools.TryAdd(DirectorTool());
            }
        }

        return _catalog;
    }

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

            var tools = DirectorOffered ? new List<McpServerTool> { DirectorTool() } : [];
            foreach (var (name, version) in latest.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var stored = await agents.GetAsync(name, version, cancellationToken);
                tools.Add(CustomAgentTool(name, Describe(name, stored?.Source)));
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

            LogListed(logger, latest.Count);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    // The Director plans with a model: without a configured provider (Agents:Providers) its tool is not offered, so
    // clients are not shown a tool that cannot plan (REST and the CLI still run explicit plans).
    private bool DirectorOffered => services.GetRequiredService<IAgentModelCatalog>().Providers.Count > 0;

    /// <summary>After an agent was stored here: where Redis is configured, tells every process to read the list now.</summary>
    public async Task AnnounceChangeAsync(CancellationToken cancellationToken = default)
    {
        if (!redis.IsConfigured)
        {
            return;
        }

        try
        {
            await redis.StartAsync(cancellationToken);
            await redis.PublishAsync(Channel, 1);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The others read the list at their next poll.
            redis.ReportFallback("agents change announcement", e);
        }
    }

    /// <summary>The <c>description</c> of a stored declaration; null when it has none.</summary>
    internal static string? DeclaredDescription(string? source)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(source ?? ""));
            if (stream.Documents is [{ RootNode: YamlMappingNode root }])
            {
                return (root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "description" }).Value as YamlScalarNode)?.Value;
            }
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // Stored sources were validated; an unreadable one just has no description.
        }

        return null;
    }

    // The declaration's description, when it has one, leads the tool's.
    private static string Describe(string name, string? source)
    {
        string? declared = DeclaredDescription(source);
        return string.IsNullOrWhiteSpace(declared) ? $"The custom agent '{name}'. {How}" : $"{declared.Trim()} (custom agent '{name}') {How}";
    }

    private const string How = "Runs only as a task: poll the task; its result is the agent's output (answer, stopped, usage) and the run's id. The run is yours: follow, cancel and approve it through /api/v1/runs/{runId}. Needs the agents:run permission.";

    private static readonly JsonElement AgentInputSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "input": { "type": ["string", "object"], "description": "The user's message: text, or a JSON object." }
          },
          "required": ["input"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private static readonly JsonElement DirectorInputSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "goal": { "type": "string", "description": "What to achieve; the Director plans it with the tools and agents you may use." },
            "plan": { "type": "object", "description": "Instead of a goal, a plan to run: {\"steps\": [{\"id\", \"tool\": \"server/tool\", \"arguments\", \"needs\"} or {\"id\", \"agent\", \"input\", \"needs\"}]}." },
            "provider": { "type": "string", "description": "The model provider that plans; left out: the only one configured." },
            "maxReplans": { "type": "integer", "minimum": 0, "maximum": 10, "description": "New plans allowed after the first fails (default 2)." },
            "budget": {
              "type": "object",
              "description": "What the whole run may spend, planning and steps together.",
              "properties": {
                "tokensIn": { "type": "integer", "minimum": 1 },
                "tokensOut": { "type": "integer", "minimum": 1 },
                "toolCalls": { "type": "integer", "minimum": 1 },
                "wallTime": { "type": "string", "description": "A duration: 30s, 5m, 2h." }
              },
              "additionalProperties": false
            }
          },
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private static AgentTool CustomAgentTool(string agent, string description) => new(
        agent, description, AgentInputSchema, AgentCatalog.StepId,
        async (services, arguments, principal, runId, ct) =>
        {
            JsonNode? input = arguments.TryGetValue("input", out var given) ? JsonNode.Parse(given.GetRawText()) : null;
            if (input is not (JsonValue or JsonObject) || input is JsonValue value && value.GetValueKind() != JsonValueKind.String)
            {
                throw new WorkflowRunException("Send the agent's input: {\"input\": \"<text>\"} or {\"input\": {…}}.");
            }

            return await services.GetRequiredService<AgentCatalog>().StartAsync(agent, version: null, input, principal, runId, ct);
        });

    private static AgentTool DirectorTool() => new(
        DirectorName,
        "The Director: give it a goal and it plans the tool calls and delegations to custom agents that reach it (checked against what you may use), runs the plan as a workflow run as you, re-plans when a step fails, and answers; or give it a plan to run. Its result is {succeeded, answer, outputs, error, stopped, trace, usage}. " + How,
        DirectorInputSchema, DirectorRuns.Step,
        async (services, arguments, principal, runId, ct) =>
        {
            DirectorRequest request;
            try
            {
                request = DirectorRequest.FromJson(new JsonObject(arguments.Select(p => KeyValuePair.Create(p.Key, JsonNode.Parse(p.Value.GetRawText())))));
            }
            catch (ArgumentException e)
            {
                throw new WorkflowRunException(e.Message);
            }

            return await services.GetRequiredService<DirectorRuns>().StartAsync(request, principal, runId, ct);
        });

    [LoggerMessage(EventId = 7110, Level = LogLevel.Debug, Message = "The agents server lists {Count} agents.")]
    private static partial void LogListed(ILogger logger, int count);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "The agents server could not read the stored agents: {Reason}; it tries again in a few seconds.")]
    internal static partial void LogRefreshFailed(ILogger logger, string reason);

    /// <summary>
    /// Reads the stored agents again when another process announces a change (and when Redis comes back, since
    /// announcements made meanwhile were lost), else every <see cref="FallbackPoll"/> without Redis or
    /// <see cref="SafetyPoll"/> with it.
    /// </summary>
    internal sealed class Refresher(Func<CancellationToken, Task> refresh, RedisConnection redis, ILogger<AgentsServer> logger) : BackgroundService
    {
        // Set once until the loop takes it: a burst of announcements during one refresh is one more refresh, not one each.
        private readonly Channel<bool> _wake = WakeChannel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

        /// <summary>The hosted service, refreshing <paramref name="server"/>.</summary>
        public Refresher(AgentsServer server, RedisConnection redis, ILogger<AgentsServer> logger)
            : this(server.RefreshAsync, redis, logger)
        {
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (redis.IsConfigured)
            {
                await redis.SubscribeAsync(Channel, (_, _) => Wake());
                redis.Restored += Wake;
            }

            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    try
                    {
                        await refresh(stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogRefreshFailed(logger, e.Message);
                    }

                    await WaitForWakeAsync(redis.IsAvailable ? SafetyPoll : FallbackPoll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // stopping
            }
            finally
            {
                redis.Restored -= Wake;
            }
        }

        // Until a wake-up or the poll, and takes the wake-up: one that comes during the next refresh is kept for the one after.
        private async Task WaitForWakeAsync(TimeSpan poll, CancellationToken stoppingToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(poll);
            try
            {
                await _wake.Reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // the poll
            }

            _wake.Reader.TryRead(out _);
        }

        private void Wake() => _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// An agent (a custom one, or the Director) as a task-only tool that starts its run as the caller and answers with
    /// the output of the run's step <paramref name="step"/>.
    /// </summary>
    private sealed class AgentTool(string agent, string description, JsonElement inputSchema, string step, Func<IServiceProvider, IDictionary<string, JsonElement>, AccessPrincipal, string, CancellationToken, Task<RunSnapshot>> start) : McpServerTool
    {
        public override Tool ProtocolTool { get; } = new()
        {
            Name = agent,
            Description = description,
            InputSchema = inputSchema,
            Annotations = new ToolAnnotations { Title = agent == DirectorName ? "The Director" : $"Agent {agent}", OpenWorldHint = true },
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

            // The task's request (its job) names the run, so a job run again after its worker died finds the run it
            // started instead of starting a second one.
            string runId = TaskRuns.RunId(principal.Id, request.JsonRpcRequest.Id.ToString());
            RunSnapshot run;
            try
            {
                run = await start(services, request.Params?.Arguments ?? new Dictionary<string, JsonElement>(), principal, runId, cancellationToken);
            }
            catch (WorkflowRunException e)
            {
                return Error(e.Message);
            }

            // The task stays "working" while the run goes on: its job waits for the run's end without holding a worker.
            return run.Run.IsTerminal ? TaskRuns.Result(run, step) : throw new RunPendingException(run.Run.Id, step);
        }

        private static CallToolResult Error(string message) =>
            new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
    }
}
