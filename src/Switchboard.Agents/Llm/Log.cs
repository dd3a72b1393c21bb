using Microsoft.Extensions.Logging;

namespace Switchboard.Agents.Llm;

/// <summary>Language-model log messages; event ids 7500-7549. None carries a key or a prompt.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7500, Level = LogLevel.Warning, Message = "Model provider {Provider}: attempt {Attempt} of {Attempts} failed ({Failure}); trying again in {Delay}.")]
    public static partial void ModelCallRetry(ILogger logger, string provider, int attempt, int attempts, ModelFailure failure, TimeSpan delay);

    [LoggerMessage(EventId = 7501, Level = LogLevel.Warning, Message = "Model provider {Provider}: the call failed ({Failure}): {Reason}")]
    public static partial void ModelCallFailed(ILogger logger, string provider, ModelFailure failure, string reason);
}
