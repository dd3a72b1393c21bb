using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Access.Identity;
using Switchboard.Storage.Caching;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Ends an MCP event stream a caller holds open (the GET of a session) once the credential it was opened with stops
/// speaking for anyone: its API key, or the key behind its service token, revoked, deleted or expired, or its token
/// (a service token or an OIDC JWT) expired. Every other request is authenticated when it comes; this one stays open
/// for as long as the session lives, and a revoked key kept receiving its session's notifications. Revocations reach
/// here as they reach requests (<see cref="IdentityVersion"/>: at once on this replica, within about a second on the
/// others); the stream ends as the SDK ends it when its client goes, the response completing normally.
/// </summary>
internal sealed partial class StandingStreams : IDisposable
{
    private readonly ConcurrentDictionary<OpenStream, string> _byKey = new();
    private readonly IdentityVersion _identity;
    private readonly ApiKeyService _keys;
    private readonly TimeProvider _time;
    private readonly ILogger<StandingStreams> _logger;
    private int _checking; // 0 idle; 1 checking; 2 checking, and the identities changed again meanwhile

    public StandingStreams(IdentityVersion identity, ApiKeyService keys, TimeProvider time, ILogger<StandingStreams> logger)
    {
        (_identity, _keys, _time, _logger) = (identity, keys, time, logger);
        _identity.Changed += OnIdentityChanged;
    }

    /// <summary>Runs <paramref name="next"/> for <paramref name="context"/>, an authenticated GET, until it ends or its credential does.</summary>
    public async Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        string? key = context.User.FindFirst(SwitchboardClaims.ApiKey)?.Value;
        var expires = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc;
        if (key is not null)
        {
            var (problem, keyExpires) = await _keys.StandingAsync(key, context.RequestAborted);
            // Authenticated a moment ago; a key revoked since ends its stream before it starts.
            expires = problem is not null ? _time.GetUtcNow() : Earliest(expires, keyExpires);
        }

        if (key is null && expires is null)
        {
            await next(context);
            return;
        }

        using var stream = new OpenStream(_time);
        if (expires is { } at)
        {
            stream.EndAt(at - _time.GetUtcNow());
        }

        if (key is not null)
        {
            _byKey[stream] = key;
        }

        var aborted = context.RequestAborted;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, stream.Ended);
        // The SDK ends the stream when the request's token fires, as when the client goes.
        context.RequestAborted = either.Token;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestAborted = aborted;
            _byKey.TryRemove(stream, out _);
        }
    }

    public void Dispose() => _identity.Changed -= OnIdentityChanged;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    // Raised on the thread that read the new version: the keys are looked up elsewhere, one pass at a time, and
    // once more when they changed again during a pass.
    private void OnIdentityChanged()
    {
        if (Interlocked.Exchange(ref _checking, 2) == 0)
        {
            _ = Task.Run(CheckAsync);
        }
    }

    private async Task CheckAsync()
    {
        do
        {
            Volatile.Write(ref _checking, 1);
            foreach (string key in _byKey.Values.Distinct(StringComparer.Ordinal))
            {
                try
                {
                    if (await _keys.StandingAsync(key) is { Problem: { } problem })
                    {
                        EndStreamsOf(key, problem);
                    }
                }
                catch (Exception e)
                {
                    // The database is down, say: the key stands as requests see it, and the next change looks again.
                    LogCheckFailed(_logger, key, e.Message);
                }
            }
        }
        while (Interlocked.CompareExchange(ref _checking, 0, 1) != 1);
    }

    private void EndStreamsOf(string key, string problem)
    {
        foreach (var (stream, streamKey) in _byKey)
        {
            if (streamKey == key)
            {
                stream.EndAt(TimeSpan.Zero);
                LogStreamEnded(_logger, key, problem);
            }
        }
    }

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Ended an MCP event stream of the API key {Prefix}: the key is {Problem}.")]
    private static partial void LogStreamEnded(ILogger logger, string prefix, string problem);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning, Message = "Could not check whether the API key {Prefix} behind an open MCP event stream still stands: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string prefix, string reason);

    // One open stream: ended at a time (its credential's expiry) or at once (its key revoked).
    private sealed class OpenStream(TimeProvider time) : IDisposable
    {
        // The longest a timer waits (CancelAfter refuses more): an expiry further off is past any session's life.
        private static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

        private readonly CancellationTokenSource _ended = new(Timeout.InfiniteTimeSpan, time);

        public CancellationToken Ended => _ended.Token;

        public void EndAt(TimeSpan after)
        {
            try
            {
                if (after <= TimeSpan.Zero)
                {
                    _ended.Cancel();
                }
                else if (after < Longest)
                {
                    _ended.CancelAfter(after);
                }
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
        }

        public void Dispose() => _ended.Dispose();
    }
}
