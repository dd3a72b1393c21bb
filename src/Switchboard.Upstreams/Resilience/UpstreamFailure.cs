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
    public const string Failed = "failed";

    /// <summary>
    /// Whether <paramref name="exception"/> says the upstream is unwell and so counts against its circuit. An error the
    /// upstream answered itself is a valid answer, as is a question for the caller (input required), and a call its
    /// own caller cancelled says nothing about the upstream.
    /// </summary>
    public static bool IsUpstreamFault(Exception exception) =>
        exception is not McpProtocolException and not OperationCanceledException and not BrokenCircuitException
            and not ModelContextProtocol.Protocol.InputRequiredException;

    public static string ReasonFor(Exception exception) => exception switch
    {
        BrokenCircuitException => CircuitOpen,
        TimeoutRejectedException => Timeout,
        HttpRequestException or IOException or System.Net.Sockets.SocketException => Unreachable,
        _ when exception.InnerException is HttpRequestException or IOException => Unreachable,
        _ => Failed,
    };

    /// <summary>The JSON-RPC error a client gets for <paramref name="exception"/> from upstream <paramref name="server"/>.</summary>
    public static McpProtocolException ToClientError(string server, Exception exception)
    {
        string reason = ReasonFor(exception);
        var error = reason switch
        {
            Timeout => new McpProtocolException($"Server '{server}' did not answer in time.", SwitchboardErrorCodes.UpstreamTimeout),
            CircuitOpen => new McpProtocolException($"Server '{server}' is unavailable: recent calls failed, so calls are paused.", SwitchboardErrorCodes.UpstreamUnavailable),
            Unreachable => new McpProtocolException($"Server '{server}' is unavailable: it could not be reached.", SwitchboardErrorCodes.UpstreamUnavailable),
            _ => new McpProtocolException($"Server '{server}' is unavailable: the request to it failed.", SwitchboardErrorCodes.UpstreamUnavailable),
        };
        error.Data["server"] = server;
        error.Data["reason"] = reason;
        if (exception is BrokenCircuitException { RetryAfter: { } retryAfter })
        {
            error.Data["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        }

        return error;
    }
}
