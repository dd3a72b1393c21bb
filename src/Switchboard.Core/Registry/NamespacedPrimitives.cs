using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Registry;

/// <summary>A server's tool exposed under another name (its namespaced name on <c>/mcp</c>).</summary>
internal sealed class NamespacedTool(string exposedName, McpServerTool inner) : DelegatingMcpServerTool(inner)
{
    // Cloned once through the protocol serializer so every field the SDK knows (schemas, annotations, icons, _meta)
    // survives the rename, including ones added in later protocol revisions.
    private readonly Tool _protocolTool = Renamed(inner.ProtocolTool, exposedName);

    public override Tool ProtocolTool => _protocolTool;

    /// <summary>The server's own tool.</summary>
    public McpServerTool Inner { get; } = inner;

    private static Tool Renamed(Tool tool, string name)
    {
        var clone = ProtocolClone.Of(tool);
        clone.Name = name;
        return clone;
    }
}

internal static class ProtocolClone
{
    public static T Of<T>(T value) where T : class
    {
        var typeInfo = (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
        return JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), typeInfo)!;
    }
}

/// <summary>A server's prompt exposed under another name (its namespaced name on <c>/mcp</c>).</summary>
internal sealed class NamespacedPrompt(string exposedName, McpServerPrompt inner) : DelegatingMcpServerPrompt(inner)
{
    private readonly Prompt _protocolPrompt = Renamed(inner.ProtocolPrompt, exposedName);

    public override Prompt ProtocolPrompt => _protocolPrompt;

    /// <summary>The server's own prompt.</summary>
    public McpServerPrompt Inner { get; } = inner;

    private static Prompt Renamed(Prompt prompt, string name)
    {
        var clone = ProtocolClone.Of(prompt);
        clone.Name = name;
        return clone;
    }
}
