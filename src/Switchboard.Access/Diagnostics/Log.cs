using Microsoft.Extensions.Logging;

namespace Switchboard.Access.Diagnostics;

/// <summary>
/// Access log messages; event ids 2000-2099. Never a secret (no API key, token or argument value); client-supplied
/// text (tool names, URIs, principal ids) is passed through <see cref="Text.PrintableText"/> first.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Allowed {Operation} {Target} for {Principal}: {Reason}.")]
    public static partial void Allowed(ILogger logger, string operation, string? target, string? principal, string reason);

    // A refusal is an answer the product expects and documents, not a fault: one line, no stack trace.
    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Refused {Operation} {Target} for {Principal} ({Outcome}): {Reason}.")]
    public static partial void Refused(ILogger logger, string operation, string? target, string? principal, string outcome, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "Tool call {Target} for {Principal} ended {Outcome} in {DurationMs} ms.")]
    public static partial void ToolCallCompleted(ILogger logger, string? target, string? principal, string outcome, double durationMs);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Withheld the result of the tool call {Target} for {Principal}: the database went away before its audit event was written.")]
    public static partial void ToolCallResultWithheld(ILogger logger, string? target, string? principal);
}
