using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Servers.Utilities;

/// <summary>
/// Refuses a number for an enum argument that the SDK cannot bind at all (1.5, 1e10). Core's argument check lets any
/// number through for an enum (other servers take spreadsheet codes), and the SDK's failure to bind it would reach
/// the model as a bare "An error occurred invoking …". Whole numbers do bind; each tool then checks them against its
/// enum's members (<see cref="Limits.RequireMember{T}"/>).
/// </summary>
internal sealed class EnumNumberCheckingTool(McpServerTool innerTool) : DelegatingMcpServerTool(innerTool)
{
    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Params?.Arguments is { } arguments && ProtocolTool.InputSchema.TryGetProperty("properties", out var properties))
        {
            foreach (var (name, value) in arguments)
            {
                if (value.ValueKind == JsonValueKind.Number && !value.TryGetInt32(out _)
                    && properties.TryGetProperty(name, out var property) && property.TryGetProperty("enum", out var allowed))
                {
                    string names = string.Join(", ", allowed.EnumerateArray().Select(a => $"'{a.GetString()}'"));
                    return ValueTask.FromResult(new CallToolResult
                    {
                        IsError = true,
                        Content = [new TextContentBlock { Text = $"Invalid arguments for '{ProtocolTool.Name}': '{name}' must be one of {names}; got {value.GetRawText()}." }],
                    });
                }
            }
        }

        return base.InvokeAsync(request, cancellationToken);
    }
}

/// <summary>Puts every tool of a catalog behind <see cref="EnumNumberCheckingTool"/>.</summary>
internal static class EnumNumbers
{
    public static McpServerCatalog WithEnumNumberChecks(this McpServerCatalog catalog)
    {
        using var batch = catalog.Tools.DeferChangedEvents();
        foreach (var tool in catalog.Tools.ToList())
        {
            catalog.Tools.Remove(tool);
            catalog.Tools.Add(new EnumNumberCheckingTool(tool));
        }

        return catalog;
    }
}
