using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Access;
using Switchboard.Agents.Llm;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Agents.Custom;

/// <summary>A stored version of a custom agent: its name, version and the source as its author wrote it.</summary>
public sealed record AgentVersion(string Name, int Version, string Source, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// Custom agents, declared in YAML or JSON (docs/agents.md): stored and versioned as a one-step workflow named
/// <c>agent-{name}</c> whose <c>agent</c> step is the declaration, so a run of an agent is a workflow run (status,
/// events, cancel and approvals through <c>/api/v1/runs</c>) and an agent is validated exactly like an agent step,
/// with the errors' lines and columns those of the author's source.
/// </summary>
public sealed partial class AgentCatalog(WorkflowEngine engine, WorkflowStore store, IAgentModelCatalog models)
{
    /// <summary>The prefix of the workflows that hold agents.</summary>
    public const string WorkflowPrefix = "agent-";

    /// <summary>The id of the step that runs the agent in its workflow (approvals name it; its output is the agent's).</summary>
    public const string StepId = "agent";

    // The agent's source goes, indented, under the wrapper's six header lines, so an error at wrapper line L, column C
    // is at the source's line L - Offset, column C - Indent.
    private const int Offset = 6;
    private const int Indent = 6;

    // The declaration's mapping is nested in the wrapper's mapping, its 'steps' list and the step's mapping.
    private const int WrapperDepth = 3;

    /// <summary>Validates and stores a new version of the agent; throws <see cref="WorkflowDefinitionException"/> (lines of <paramref name="source"/>) or <see cref="WorkflowVersionConflictException"/>.</summary>
    public async Task<AgentVersion> AddAsync(string source, string createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        string name = ReadName(source, models);
        try
        {
            var stored = await engine.AddAsync(Wrap(name, source), createdBy, cancellationToken);
            return Describe(stored)!;
        }
        catch (WorkflowDefinitionException e)
        {
            throw new WorkflowDefinitionException([.. e.Errors.Select(x => x with { Position = new SourcePosition(Math.Max(x.Position.Line - Offset, 1), Math.Max(x.Position.Column - Indent, 1)) })]);
        }
    }

    /// <summary>Every agent with its versions.</summary>
    public async Task<List<AgentVersion>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await store.ListVersionsAsync(cancellationToken)).Select(Describe).OfType<AgentVersion>()];

    /// <summary>A version of the agent (the latest when null); null when there is none.</summary>
    public async Task<AgentVersion?> GetAsync(string name, int? version, CancellationToken cancellationToken = default) =>
        Describe(await store.GetVersionAsync(WorkflowPrefix + name, version, cancellationToken));

    /// <summary>
    /// Starts a run of the agent as <paramref name="principal"/>, with <paramref name="input"/> as the user's message;
    /// with <paramref name="runId"/>, the run of that id if it was started already. Throws <see cref="WorkflowRunException"/>.
    /// </summary>
    public async Task<RunSnapshot> StartAsync(string name, int? version, JsonNode? input, AccessPrincipal principal, string? runId = null, CancellationToken cancellationToken = default)
    {
        if (input is null)
        {
            throw new WorkflowRunException("Send the agent's input: {\"input\": \"…\"} (text, or any JSON).");
        }

        if (await store.GetVersionAsync(WorkflowPrefix + name, version, cancellationToken) is null)
        {
            throw new WorkflowRunException(version is null ? $"There is no agent '{name}'." : $"The agent '{name}' has no version {version}.");
        }

        return await engine.StartAsync(WorkflowPrefix + name, version, new JsonObject { ["input"] = input.DeepClone() }, principal, runId, cancellationToken);
    }

    // The agent's name, checked here because the wrapper's name is made from it; and its provider, which only the
    // agents know (the workflow engine takes any name, and a run would fail on it every time).
    private static string ReadName(string source, IAgentModelCatalog models)
    {
        // Checked before the tree is built (DefinitionLimits says why), with the levels the wrapper adds taken off.
        if (DefinitionLimits.Check(source, DefinitionLimits.MaxDepth - WrapperDepth) is { } refused)
        {
            throw new WorkflowDefinitionException([refused]);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(source));
        }
        catch (YamlException e)
        {
            throw Error((int)e.Start.Line, (int)e.Start.Column, $"not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(1, 1, "an agent is one mapping with name, instructions, provider, tools and budget");
        }

        var nameNode = root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "name" }).Value;
        if (nameNode is not YamlScalarNode { Value: { } name } || !NamePattern().IsMatch(name))
        {
            var at = nameNode ?? root;
            throw Error((int)at.Start.Line, (int)at.Start.Column, "'name' is required: 1 to 58 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }

        if (name == Mcp.AgentsServer.DirectorName)
        {
            throw Error((int)nameNode.Start.Line, (int)nameNode.Start.Column, $"'{name}' is the Director's name (agents__{name}); choose another");
        }

        var providerNode = root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "provider" }).Value;
        if (providerNode is YamlScalarNode { Value: { Length: > 0 } provider } && !models.Contains(provider))
        {
            throw Error((int)providerNode.Start.Line, (int)providerNode.Start.Column, $"there is no model provider '{provider}'; configured: {string.Join(", ", models.Providers.Order(StringComparer.Ordinal).DefaultIfEmpty("none"))}");
        }

        return name;
    }

    private static string Wrap(string name, string source)
    {
        var wrapper = new StringBuilder()
            .Append("name: ").Append(WorkflowPrefix).Append(name).Append('\n')
            .Append("inputs: { input: { required: true } }\n")
            .Append("steps:\n")
            .Append("  - id: agent\n")
            .Append("    arguments: { input: \"${{ inputs.input }}\" }\n")
            .Append("    agent:\n");
        foreach (string line in source.ReplaceLineEndings("\n").Split('\n'))
        {
            wrapper.Append(' ', Indent).Append(line).Append('\n');
        }

        return wrapper.ToString();
    }

    private static AgentVersion? Describe(WorkflowVersion? stored)
    {
        if (stored is null || !stored.Name.StartsWith(WorkflowPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var lines = stored.Source.Split('\n').Skip(Offset).Select(l => l.Length >= Indent ? l[Indent..] : l.TrimStart());
        return new AgentVersion(stored.Name[WorkflowPrefix.Length..], stored.Version, string.Join('\n', lines).TrimEnd('\n'), stored.CreatedBy, stored.CreatedAt);
    }

    private static WorkflowDefinitionException Error(int line, int column, string message) =>
        new([new DefinitionError(new SourcePosition(line, column), message)]);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,57}$")]
    private static partial Regex NamePattern();
}
