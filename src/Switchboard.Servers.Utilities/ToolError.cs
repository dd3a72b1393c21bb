using System.Diagnostics.CodeAnalysis;
using ModelContextProtocol;
using Switchboard.Tools;

namespace Switchboard.Servers.Utilities;

/// <summary>
/// Throw helpers for tool failures. The SDK turns an <see cref="McpException"/> thrown by a tool into a
/// <c>CallToolResult</c> with <c>isError: true</c> and this message, so the model can read it and correct its call;
/// any other exception would reach the model only as a generic "an error occurred".
/// </summary>
internal static class ToolError
{
    /// <summary>Fails the tool call with <paramref name="message"/>, which should say what to change.</summary>
    [DoesNotReturn]
    public static void Throw(string message) => throw new McpException(message);

    /// <summary>Fails the tool call with <paramref name="message"/>, its numbers and dates formatted invariantly.</summary>
    [DoesNotReturn]
    public static void Throw(ref InvariantInterpolatedStringHandler message) => throw new McpException(message.ToStringAndClear());

    /// <summary>Fails the tool call with <paramref name="message"/>; typed so it can end an expression.</summary>
    [DoesNotReturn]
    public static T Throw<T>(string message) => throw new McpException(message);

    /// <summary>Fails the tool call with <paramref name="message"/>, formatted invariantly; typed so it can end an expression.</summary>
    [DoesNotReturn]
    public static T Throw<T>(ref InvariantInterpolatedStringHandler message) => throw new McpException(message.ToStringAndClear());

    /// <summary>Fails the call when a regular expression ran past its time limit.</summary>
    [DoesNotReturn]
    public static void RegexTimedOut(TimeSpan limit) =>
        Throw(
            $"The regular expression ran longer than its {limit.TotalMilliseconds:0} ms limit and was stopped. " +
            $"It probably backtracks catastrophically (nested quantifiers such as (a+)+): simplify it, anchor it, or use a shorter input.");
}
