using ModelContextProtocol;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Switchboard.Errors;

namespace Switchboard.Upstreams.Resilience;

/// <summary>Why a request to an upstream failed, in words safe to show a client: no addresses, no upstream internals.</summary>
internal static class UpstreamFailure
{
    public const string Unreachable = "unreachable";
    public const string CircuitOpen = "circuit-open";
    public const string Timeout = "timeout";
    public const string Busy = "busy";
    public const string Credentials = "credentials";
    public const string TooLarge = "too-large";
    public const string Failed = "failed";
    public const string Closed = "closed";
    public const string NotSent = "not-sent";

    /// <summary>How long a client refused as busy is told to wait.</summary>
    private const int BusyRetryAfterSeconds = 1;

    /// <summary>
    /// Whether <paramref name="exception"/> says the upstream is unwell and so counts against its circuit. An error the
    /// upstream answered itself is a valid answer, as is a question for the caller (input required), a call its own
    /// caller cancelled says nothing about the upstream, and a call refused as busy, or one the gateway could not
    /// build, never reached it.
    /// </summary>
    public static bool IsUpstreamFault(Exception exception) =>
        exception is not McpProtocolException and not OperationCanceledException and not BrokenCircuitException
            and not UpstreamBusyException and not ModelContextProtocol.Protocol.InputRequiredException
            && Find<Http.UpstreamResponseTooLargeException>(exception) is null // one oversized answer is about one request, not the upstream
            && Find<Http.UpstreamRequestNotSentException>(exception) is null;

    /// <summary>Whether <paramref name="exception"/> is a failure to show the client as an upstream error (not its own cancellation).</summary>
    public static bool IsClientVisible(Exception exception) =>
        IsUpstreamFault(exception) || exception is BrokenCircuitException or UpstreamBusyException
            || Find<Http.UpstreamResponseTooLargeException>(exception) is not null || Find<Http.UpstreamRequestNotSentException>(exception) is not null;

    public static string ReasonFor(Exception exception) => exception switch
    {
        BrokenCircuitException => CircuitOpen,
        TimeoutRejectedException => Timeout,
        UpstreamBusyException => Busy,
        // Ours, raised inside the HTTP handlers, reach here wrapped by the SDK's transport.
        _ when Find<Http.UpstreamCredentialsException>(exception) is not null => Credentials,
        _ when Find<Http.UpstreamResponseTooLargeException>(exception) is not null => TooLarge,
        _ when Find<Http.UpstreamRequestNotSentException>(exception) is not null => NotSent,
        HttpRequestException or IOException or System.Net.Sockets.SocketException => Unreachable,
        _ when exception.InnerException is HttpRequestException or IOException => Unreachable,
        _ => Failed,
    };

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The JSON-RPC error a client gets for a call that was in flight when <paramref name="server"/> was removed or disabled.</summary>
    public static McpProtocolException ClosedError(string server, CircuitState circuit) =>
        WithData(new McpProtocolException($"Server '{server}' is unavailable: it was removed or disabled (or the gateway is stopping) while the request was in progress.", SwitchboardErrorCodes.UpstreamUnavailable), server, Closed, circuit);

    private static McpProtocolException WithData(McpProtocolException error, string server, string reason, CircuitState circuit)
    {
        error.Data["server"] = server;
        error.Data["reason"] = reason;
        error.Data["breakerState"] = UpstreamStateNames.Of(circuit);
        return error;
    }

    /// <summary>The JSON-RPC error a client gets for <paramref name="exception"/> from upstream <paramref name="server"/>.</summary>
    public static McpProtocolException ToClientError(string server, Exception exception, CircuitState circuit)
    {
        string reason = ReasonFor(exception);
        var error = reason switch
        {
            Timeout => new McpProtocolException($"Server '{server}' did not answer in time.", SwitchboardErrorCodes.UpstreamTimeout),
            Busy => new McpProtocolException($"Server '{server}' is busy: too many calls to it are in progress; try again shortly.", SwitchboardErrorCodes.UpstreamBusy),
            Credentials => new McpProtocolException($"Server '{server}' is unavailable: the gateway could not get its credentials for it.", SwitchboardErrorCodes.UpstreamUnavailable),
            TooLarge => new McpProtocolException($"Server '{server}' answered with more than the gateway accepts (its MaxResponseBytes); the answer was dropped.", SwitchboardErrorCodes.UpstreamUnavailable),
            NotSent => new McpProtocolException($"Server '{server}' was not called: the gateway could not build the request to it.", SwitchboardErrorCodes.UpstreamUnavailable),
            CircuitOpen => new McpProtocolException($"Server '{server}' is unavailable: recent calls failed, so calls are paused.", SwitchboardErrorCodes.UpstreamUnavailable),
            Unreachable => new McpProtocolException($"Server '{server}' is unavailable: it could not be reached.", SwitchboardErrorCodes.UpstreamUnavailable),
            _ => new McpProtocolException($"Server '{server}' is unavailable: the request to it failed.", SwitchboardErrorCodes.UpstreamUnavailable),
        };
        WithData(error, server, reason, circuit);
        if (exception is BrokenCircuitException { RetryAfter: { } retryAfter })
        {
            error.Data["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        }
        else if (reason == Busy)
        {
            error.Data["retryAfterSeconds"] = BusyRetryAfterSeconds;
        }

        return error;
    }
}
