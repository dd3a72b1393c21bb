using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Naming;

namespace Switchboard.Registry;

/// <summary>
/// Everything one MCP server offers the gateway: its tools, resources and prompts as SDK primitives, and the
/// handlers that cannot be expressed as a primitive (completion, resource subscriptions).
/// </summary>
/// <remarks>
/// This is the seam between the gateway and the servers behind it. A built-in server fills a catalog with
/// in-process primitives; a remote upstream fills one with primitives that forward to it. The collections are live:
/// when one changes, every view built on it follows and sessions receive <c>list_changed</c> notifications.
/// </remarks>
public sealed class McpServerCatalog
{
    /// <summary>Creates an empty catalog for the server named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid server name.</exception>
    public McpServerCatalog(string name, string? description = null)
    {
        if (!McpNames.IsValidServerName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid server name: use lower-case letters, digits and single hyphens, at most {McpNames.MaxServerNameLength} characters.",
                nameof(name));
        }

        Name = name;
        Description = description;
    }

    /// <summary>The server's name: the prefix of its tools on <c>/mcp</c> and the segment in <c>/servers/{name}/mcp</c>.</summary>
    public string Name { get; }

    /// <summary>What the server is for, in a sentence.</summary>
    public string? Description { get; }

    /// <summary>The server's tools, under their own names.</summary>
    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = [];

    /// <summary>The server's direct resources and resource templates.</summary>
    public McpServerResourceCollection Resources { get; } = [];

    /// <summary>The server's prompts, under their own names.</summary>
    public McpServerPrimitiveCollection<McpServerPrompt> Prompts { get; } = [];

    /// <summary>Answers <c>completion/complete</c> for this server's prompts and resource templates, if it offers completion.</summary>
    public McpRequestHandler<CompleteRequestParams, CompleteResult>? CompleteHandler { get; init; }

    /// <summary>Answers <c>resources/subscribe</c> for this server's resources, if it supports subscriptions.</summary>
    public McpRequestHandler<SubscribeRequestParams, EmptyResult>? SubscribeHandler { get; init; }

    /// <summary>Answers <c>resources/unsubscribe</c> for this server's resources.</summary>
    public McpRequestHandler<UnsubscribeRequestParams, EmptyResult>? UnsubscribeHandler { get; init; }

    /// <summary>The tasks of a remote server, which the gateway's own tasks for its tools follow; null for a built-in server.</summary>
    public Tools.IRemoteTasks? RemoteTasks { get; init; }

    /// <summary>
    /// Whether every tool of this server runs in-process to its result without a message to the caller on the way (no
    /// progress, logging, elicitation, sampling, roots or input request) and reads nothing of the caller's but its
    /// arguments: the gateway may then answer a call to it without the SDK's per-message machinery (issue 18).
    /// </summary>
    public bool SelfContained { get; init; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
