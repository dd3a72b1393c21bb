using Microsoft.Extensions.Logging;

namespace Switchboard.Agents.Diagnostics;

/// <summary>Agent runtime log messages; event ids 7100-7199 (the provider layer has 7000-7099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Agent step {Step} stopped: {Reason}.")]
    public static partial void BudgetSpent(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Agent step {Step}: the model call failed: {Reason}")]
    public static partial void ModelFailed(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Agent step {Step} waits for approval of the destructive tool {Tool}.")]
    public static partial void WaitingForApproval(ILogger logger, string step, string tool);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Information, Message = "Agent step {Step} goes on from its checkpoint: turn {Turn}, {ToolCalls} tool calls made.")]
    public static partial void Resumed(ILogger logger, string step, int turn, int toolCalls);

    [LoggerMessage(EventId = 7120, Level = LogLevel.Information, Message = "Agent step {Step}: its answer was refused a second time, the step fails: {Reason}")]
    public static partial void AnswerRejected(ILogger logger, string step, string reason);
}
