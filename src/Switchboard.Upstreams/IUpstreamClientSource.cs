using ModelContextProtocol.Client;

namespace Switchboard.Upstreams;

/// <summary>
/// Where <see cref="UpstreamServer"/> gets the SDK client for one request: its one shared connection (HTTP), a
/// process of a pool (stdio, <see cref="Stdio.StdioProcessPool"/>), or whatever else hands out connections. Every
/// <see cref="AcquireAsync"/> that returns is paired with one <see cref="ReleaseAsync"/>.
/// </summary>
internal interface IUpstreamClientSource
{
    /// <summary>A connected client for one request, started or connected if need be.</summary>
    ValueTask<McpClient> AcquireAsync(CancellationToken cancellationToken);

    /// <summary>Gives <paramref name="client"/> back once the request is over, saying how it ended.</summary>
    ValueTask ReleaseAsync(McpClient client, UpstreamRequestEnd end);
}

/// <summary>How a request on a client of <see cref="IUpstreamClientSource"/> ended.</summary>
internal enum UpstreamRequestEnd
{
    /// <summary>Answered (an error the upstream answered included), or cancelled by its own caller.</summary>
    Answered,

    /// <summary>Failed in a way that says the connection may be unusable (<see cref="Resilience.UpstreamFailure.IsUpstreamFault"/>).</summary>
    Failed,

    /// <summary>Not answered within its timeout: the connection (a stdio process) may be stuck.</summary>
    TimedOut,
}
