using System.Collections.Concurrent;

namespace Switchboard.Gateway.Http;

/// <summary>
/// The sessions open on this replica, and how many each principal holds (<c>Gateway:MaxSessionsPerPrincipal</c>).
/// Past <c>Gateway:MaxIdleSessions</c> the SDK ends the longest idle sessions whoever holds them, so without a cap per
/// principal one key could open sessions until every other principal's were ended. The SDK answers a DELETE of a
/// session it does not know as if it had ended one; the ids here let the gateway answer 404, as for any other request
/// of an unknown session.
/// </summary>
internal sealed class OpenSessions
{
    private readonly ConcurrentDictionary<string, int> _byPrincipal = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    /// <summary>The sessions <paramref name="principal"/> holds open.</summary>
    public int OpenBy(string principal) => _byPrincipal.TryGetValue(principal, out int open) ? open : 0;

    /// <summary>Whether the session <paramref name="sessionId"/> is open here.</summary>
    public bool IsOpen(string sessionId) => _ids.ContainsKey(sessionId);

    /// <summary>
    /// Counts session <paramref name="sessionId"/>, of <paramref name="principal"/> when there is one, until the
    /// returned handle is disposed (the session ends).
    /// </summary>
    public IDisposable Opened(string sessionId, string? principal)
    {
        _ids[sessionId] = 0;
        if (principal is not null)
        {
            _byPrincipal.AddOrUpdate(principal, 1, static (_, open) => open + 1);
        }

        return new Session(this, sessionId, principal);
    }

    private void Closed(string sessionId, string? principal)
    {
        _ids.TryRemove(sessionId, out _);
        // Removed at zero, so principals that come and go leave nothing behind.
        while (principal is not null && _byPrincipal.TryGetValue(principal, out int open)
            && !(open <= 1 ? _byPrincipal.TryRemove(new KeyValuePair<string, int>(principal, open)) : _byPrincipal.TryUpdate(principal, open - 1, open)))
        {
        }
    }

    private sealed class Session(OpenSessions sessions, string sessionId, string? principal) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                sessions.Closed(sessionId, principal);
            }
        }
    }
}
