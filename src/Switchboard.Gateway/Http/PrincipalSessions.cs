using System.Collections.Concurrent;

namespace Switchboard.Gateway.Http;

/// <summary>
/// How many sessions each principal holds open on this replica (<c>Gateway:MaxSessionsPerPrincipal</c>). Past
/// <c>Gateway:MaxIdleSessions</c> the SDK ends the longest idle sessions whoever holds them, so without a cap per
/// principal one key could open sessions until every other principal's were ended.
/// </summary>
internal sealed class PrincipalSessions
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>The sessions <paramref name="principal"/> holds open.</summary>
    public int OpenBy(string principal) => _open.TryGetValue(principal, out int open) ? open : 0;

    /// <summary>Counts a session of <paramref name="principal"/> until the returned handle is disposed (the session ends).</summary>
    public IDisposable Opened(string principal)
    {
        _open.AddOrUpdate(principal, 1, static (_, open) => open + 1);
        return new Session(this, principal);
    }

    private void Closed(string principal)
    {
        // Removed at zero, so principals that come and go leave nothing behind.
        while (_open.TryGetValue(principal, out int open)
            && !(open <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(principal, open)) : _open.TryUpdate(principal, open - 1, open)))
        {
        }
    }

    private sealed class Session(PrincipalSessions sessions, string principal) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                sessions.Closed(principal);
            }
        }
    }
}
