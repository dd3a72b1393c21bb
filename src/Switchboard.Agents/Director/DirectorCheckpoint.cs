using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Switchboard.Agents.Runtime;

namespace Switchboard.Agents.Director;

/// <summary>
/// Where a Director run stands, saved in its step's state (under <c>checkpoint</c>, beside the result so far) before
/// it acts on it: the conversation with the model, the plan it runs and the id of that plan's run (chosen and saved
/// before the run is started), how many plans it has tried, and when it started. A worker that takes over after a
/// crash goes on from here: it waits for the plan's run still in flight, or reads how it ended, instead of planning again.
/// </summary>
internal sealed class DirectorCheckpoint
{
    private DirectorCheckpoint(string workflow, DateTimeOffset startedAt, List<ChatMessage> conversation)
    {
        Workflow = workflow;
        StartedAt = startedAt;
        Conversation = conversation;
    }

    /// <summary>The workflow whose versions are this Director's plans.</summary>
    public string Workflow { get; }

    /// <summary>When the Director started (its wall time counts from here).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The conversation with the model: instructions, goal, plans and what became of them.</summary>
    public List<ChatMessage> Conversation { get; }

    /// <summary>Which plan this is: 0 for the first, then one more for each plan refused or failed.</summary>
    public int Attempt { get; set; }

    /// <summary>The plan to run (or running); null when the next thing is to ask for one.</summary>
    public DirectorPlan? Plan { get; set; }

    /// <summary>The id of <see cref="Plan"/>'s run, saved before it starts; null while it has none.</summary>
    public string? RunId { get; set; }

    /// <summary>A new Director run's checkpoint.</summary>
    public static DirectorCheckpoint Start(string workflow, DateTimeOffset now, List<ChatMessage> conversation) => new(workflow, now, conversation);

    /// <summary>The checkpoint in a saved step state; null when there is none (the Director has not started).</summary>
    public static DirectorCheckpoint? FromState(JsonNode? state)
    {
        if (state?["checkpoint"] is not JsonObject saved)
        {
            return null;
        }

        var info = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));
        var conversation = saved["conversation"]!.AsArray().Select(m => (ChatMessage)m.Deserialize(info)!).ToList();
        return new DirectorCheckpoint(saved["workflow"]!.GetValue<string>(), DateTimeOffset.Parse(saved["startedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture), conversation)
        {
            Attempt = saved["attempt"]!.GetValue<int>(),
            Plan = saved["plan"] is { } plan ? DirectorPlan.Parse(plan.ToJsonString()) : null,
            RunId = saved["runId"]?.GetValue<string>(),
        };
    }

    /// <summary>The checkpoint as <see cref="FromState"/> reads it (under <c>checkpoint</c>).</summary>
    public JsonObject ToJson()
    {
        var info = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));
        return new JsonObject
        {
            ["workflow"] = Workflow,
            ["startedAt"] = StartedAt.ToString("O", CultureInfo.InvariantCulture),
            ["conversation"] = new JsonArray([.. Conversation.Select(m => JsonSerializer.SerializeToNode(m, info))]),
            ["attempt"] = Attempt,
            ["plan"] = Plan is null ? null : JsonNode.Parse(Plan.ToJson()),
            ["runId"] = RunId,
        };
    }

    /// <summary>The result so far saved beside the checkpoint: its trace, outputs and usage, for a run that goes on.</summary>
    public static (List<DirectorTraceEntry> Trace, JsonObject Outputs, AgentUsage Usage) ResultSoFar(JsonNode state) =>
        ([.. state["trace"]!.AsArray().Select(e => new DirectorTraceEntry(e!["event"]!.GetValue<string>(), e["detail"]!.GetValue<string>(), e["runId"]?.GetValue<string>()))],
         state["outputs"] is JsonObject outputs ? (JsonObject)outputs.DeepClone() : [],
         AgentUsage.FromJson(state["usage"]));

    /// <summary>
    /// The result saved beside the checkpoint when the run ended (succeeded, failed or stopped by a budget); null for
    /// a state saved along the way, which has none of the three.
    /// </summary>
    public static DirectorResult? Ended(JsonNode state)
    {
        bool succeeded = state["succeeded"]?.GetValue<bool>() == true;
        string? error = state["error"]?.GetValue<string>();
        string? stopped = state["stopped"]?.GetValue<string>();
        if (!succeeded && error is null && stopped is null)
        {
            return null;
        }

        var (trace, outputs, usage) = ResultSoFar(state);
        return new DirectorResult(succeeded, state["answer"]?.GetValue<string>(), outputs, error, stopped, trace, usage);
    }
}
