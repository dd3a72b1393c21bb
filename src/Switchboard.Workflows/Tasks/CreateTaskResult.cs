using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;

namespace Switchboard.Workflows.Tasks;

/// <summary>
/// The answer to a <c>tools/call</c> that became a task (SEP-2663): <c>resultType:"task"</c> and the task's fields at
/// the top level, no nested wrapper. Sent only once the job row is committed.
/// </summary>
public sealed class CreateTaskResult : Result
{
    /// <summary>The task's id: the job's, 128 random bits.</summary>
    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    /// <summary><c>working</c> on creation.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>ISO-8601, UTC.</summary>
    [JsonPropertyName("createdAt")]
    public required string CreatedAt { get; init; }

    /// <summary>ISO-8601, UTC.</summary>
    [JsonPropertyName("lastUpdatedAt")]
    public required string LastUpdatedAt { get; init; }

    /// <summary>How long the task stays readable, in whole milliseconds.</summary>
    [JsonPropertyName("ttlMs")]
    public required long TtlMs { get; init; }

    /// <summary>How often to poll <c>tasks/get</c>, in whole milliseconds.</summary>
    [JsonPropertyName("pollIntervalMs")]
    public required long PollIntervalMs { get; init; }
}
