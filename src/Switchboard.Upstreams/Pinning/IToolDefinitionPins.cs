using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Pinning;

/// <summary>
/// Decides which of an upstream's tools are served (rug-pull protection): the first definition seen of each tool is
/// recorded, and one that later differs is quarantined until an administrator approves it. See docs/federation.md.
/// </summary>
public interface IToolDefinitionPins
{
    /// <summary>
    /// Records what is new in <paramref name="tools"/> (as listed by <paramref name="server"/>, reached as
    /// <paramref name="options"/> say) and returns the names of those to withhold.
    /// </summary>
    Task<IReadOnlySet<string>> QuarantinedAsync(string server, UpstreamOptions options, IReadOnlyList<Tool> tools, CancellationToken cancellationToken);
}

/// <summary>Without a database to record them in (a process that is not the gateway): nothing is withheld.</summary>
internal sealed class UnrecordedToolPins : IToolDefinitionPins
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public Task<IReadOnlySet<string>> QuarantinedAsync(string server, UpstreamOptions options, IReadOnlyList<Tool> tools, CancellationToken cancellationToken) =>
        Task.FromResult(None);
}
