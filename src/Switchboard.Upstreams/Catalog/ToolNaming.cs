using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Naming;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// The names an upstream's tools are exposed under: renamed or hidden as <see cref="UpstreamOptions.Tools"/> says,
/// and otherwise sanitized to the exposed pattern (<c>^[a-zA-Z0-9_-]+$</c>, short enough for <c>{server}__{tool}</c>
/// to fit), so that an upstream's <c>files/read</c> is served as <c>files_read</c> instead of being left out.
/// </summary>
internal sealed class ToolNaming(string server, ToolSettings settings)
{
    /// <summary>How long a tool's own name may be, so that its namespaced name on <c>/mcp</c> is valid too.</summary>
    public int MaxLength { get; } = McpNames.MaxExposedNameLength - server.Length - McpNames.Separator.Length;

    /// <summary>
    /// The tools to show, each under its exposed name, in the upstream's order. Hidden tools are left out. Two tools
    /// that come out with one name are resolved deterministically: a name set by <c>Rename</c> first, then a name the
    /// upstream chose itself, then sanitized names in the upstream's order; each loser is reported through
    /// <paramref name="collision"/> (its upstream name, the contested name).
    /// </summary>
    public List<(Tool Exposed, string UpstreamName)> Expose(IReadOnlyList<Tool> tools, Action<string, string> collision)
    {
        var candidates = new List<(Tool Tool, string Name, int Rank)>();
        foreach (var tool in tools)
        {
            if (settings.Hide.Contains(tool.Name))
            {
                continue;
            }

            if (settings.Rename.TryGetValue(tool.Name, out var renamed))
            {
                candidates.Add((tool, renamed, 0));
            }
            else
            {
                string sanitized = Sanitize(tool.Name);
                candidates.Add((tool, sanitized, sanitized == tool.Name ? 1 : 2));
            }
        }

        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var winners = new HashSet<Tool>(ReferenceEqualityComparer.Instance);
        foreach (var (tool, name, _) in candidates.OrderBy(c => c.Rank))
        {
            if (claimed.Add(name))
            {
                winners.Add(tool);
            }
            else
            {
                collision(tool.Name, name);
            }
        }

        return [.. candidates.Where(c => winners.Contains(c.Tool)).Select(c => (c.Name == c.Tool.Name ? c.Tool : Renamed(c.Tool, c.Name), c.Tool.Name))];
    }

    /// <summary><paramref name="name"/> with every character outside <c>[a-zA-Z0-9_-]</c> replaced by <c>_</c>, cut to <see cref="MaxLength"/>.</summary>
    public string Sanitize(string name)
    {
        var sanitized = new StringBuilder(Math.Min(name.Length, MaxLength));
        foreach (char c in name.AsSpan(0, Math.Min(name.Length, MaxLength)))
        {
            sanitized.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return sanitized.Length == 0 ? "_" : sanitized.ToString();
    }

    // Cloned through the protocol serializer so every field survives, including ones the SDK adds later.
    private static Tool Renamed(Tool tool, string name)
    {
        var typeInfo = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool));
        var clone = (Tool)JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(tool, typeInfo), typeInfo)!;
        clone.Name = name;
        return clone;
    }
}
