using System.Runtime.CompilerServices;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>
/// MCP roots, per session: a client that declares the roots capability has its <c>roots/list</c> replace the allowed
/// directories, as the reference server does, but intersected with the operator's roots so a client can only narrow
/// the sandbox, never widen it. The list is fetched on the session's first tool call and again after the client
/// sends <c>notifications/roots/list_changed</c>.
/// </summary>
/// <remarks>
/// The reference fetches at <c>initialized</c>; <see cref="Registry.McpServerCatalog"/> has no hook for that, so the
/// fetch waits for the first call that needs a path. The difference cannot be observed: only tool calls read the list.
/// </remarks>
internal sealed class SessionRoots(AllowedDirectories configured)
{
    private static readonly TimeSpan RootsRequestTimeout = TimeSpan.FromSeconds(10);
    private readonly ConditionalWeakTable<McpServer, Session> _sessions = [];

    /// <summary>The operator's roots.</summary>
    public AllowedDirectories Configured { get; } = configured;

    /// <summary>The directories this session may use now.</summary>
    public async ValueTask<AllowedDirectories> GetAsync(McpServer? server, CancellationToken cancellationToken)
    {
        if (server?.ClientCapabilities?.Roots is null)
        {
            return Configured;
        }

        var session = _sessions.GetValue(server, s => new Session(s));
        return await session.GetAsync(Configured, cancellationToken);
    }

    /// <summary>Intersects a client's roots with the configured ones; null when none of them overlaps.</summary>
    internal static AllowedDirectories? Narrow(AllowedDirectories configured, IEnumerable<Root> roots)
    {
        var directories = new List<string>();
        foreach (var root in roots)
        {
            string? real = ToRealDirectory(root.Uri);
            if (real is null)
            {
                continue;
            }

            if (configured.Contains(real))
            {
                directories.Add(real);
                continue;
            }

            // A client root above an operator root narrows nothing: the operator's root is what is allowed below it.
            directories.AddRange(configured.Directories.Where(directory => PathText.IsWithin(directory, real)));
        }

        return directories.Count == 0 ? null : new AllowedDirectories(directories);
    }

    private static string? ToRealDirectory(string uri)
    {
        string raw;
        if (uri.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Host.Length > 0 && !parsed.IsLoopback))
            {
                return null;
            }

            raw = parsed.LocalPath;
        }
        else
        {
            raw = uri;
        }

        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        string expanded = PathText.ExpandHome(raw);
        if (!PathText.IsAbsolute(expanded))
        {
            return null;
        }

        string? real = PathResolver.TryRealPath(PathText.Normalize(expanded));
        return real is not null && FileStat.Get(real, followLinks: true).Kind == FileKind.Directory ? real : null;
    }

    private sealed class Session
    {
        private readonly McpServer _server;
        private readonly SemaphoreSlim _gate = new(1, 1);
        private AllowedDirectories? _current;
        private int _stale = 1;

        public Session(McpServer server)
        {
            _server = server;
            // The registration lives as long as the session; the session's disposal drops it.
            _ = server.RegisterNotificationHandler(NotificationMethods.RootsListChangedNotification, (_, _) =>
            {
                Volatile.Write(ref _stale, 1);
                return ValueTask.CompletedTask;
            });
        }

        public async ValueTask<AllowedDirectories> GetAsync(AllowedDirectories configured, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _stale) == 0 && _current is { } current)
            {
                return current;
            }

            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (Interlocked.Exchange(ref _stale, 0) == 1)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(RootsRequestTimeout);
                    try
                    {
                        var result = await _server.RequestRootsAsync(new ListRootsRequestParams(), timeout.Token);

                        // As the reference: a list with no usable directory keeps the directories in force.
                        _current = Narrow(configured, result.Roots) ?? _current;
                    }
                    catch (Exception exception) when (exception is ModelContextProtocol.McpException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                    {
                        // The client could not answer: keep what is in force (the operator's roots at first).
                    }
                }

                return _current ?? configured;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
