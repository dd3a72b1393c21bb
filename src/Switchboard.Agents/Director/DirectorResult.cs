using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Agents.Runtime;

namespace Switchboard.Agents.Director;

/// <summary>What the Director is asked: a goal to plan, or a plan to run (re-planned on failure when a model is named).</summary>
/// <param name="Goal">What to achieve; the model plans it. Null when <paramref name="Plan"/> is given.</param>
/// <param name="Plan">A plan to run as it is.</param>
/// <param name="Provider">The model provider (<c>Agents:Providers</c>) that plans, re-plans and answers; null: the only one configured, or none for a plan.</param>
/// <param name="MaxReplans">How many new plans after the first, whether it failed validation or a step failed.</param>
/// <param name="Budget">What the whole Director run may spend, planning and steps together; null: <see cref="AgentBudget.Default"/>.</param>
public sealed partial record DirectorRequest(string? Goal, DirectorPlan? Plan, string? Provider, int MaxReplans = 2, AgentBudget? Budget = null)
{
    /// <summary>The most new plans a request may ask for.</summary>
    public const int MaxReplansLimit = 10;

    /// <summary>
    /// Reads a request as REST, MCP and the Director's step take it: <c>{goal | plan, provider?, maxReplans?, budget?:
    /// {tokensIn, tokensOut, toolCalls, wallTime: "5m"}}</c>. Throws <see cref="ArgumentException"/> saying what is wrong.
    /// </summary>
    public static DirectorRequest FromJson(JsonNode? json)
    {
        if (json is not JsonObject request)
        {
            throw new ArgumentException("Send {\"goal\": \"…\"} or {\"plan\": {\"steps\": […]}}, with optional provider, maxReplans and budget.");
        }

        string[] known = ["goal", "plan", "provider", "maxReplans", "budget"];
        if (request.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            throw new ArgumentException($"Unknown field '{unknown}': a Director request has {string.Join(", ", known)}.");
        }

        string? goal = Text(request, "goal");
        DirectorPlan? plan = null;
        if (request["plan"] is { } given)
        {
            try
            {
                plan = DirectorPlan.Parse(given is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : given.ToJsonString());
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"The plan cannot be read: {e.Message}");
            }
        }

        if ((goal is null) == (plan is null))
        {
            throw new ArgumentException("Give the Director a goal or a plan (one of them).");
        }

        int replans = 2;
        if (request["maxReplans"] is { } r && (r.GetValueKind() != JsonValueKind.Number || !int.TryParse(r.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out replans) || replans > MaxReplansLimit))
        {
            throw new ArgumentException($"'maxReplans' is a whole number from 0 to {MaxReplansLimit}.");
        }

        return new DirectorRequest(goal, plan, Text(request, "provider"), replans, ReadBudget(request["budget"]));
    }

    /// <summary>The request as <see cref="FromJson"/> reads it.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["goal"] = Goal, ["plan"] = Plan is null ? null : JsonNode.Parse(Plan.ToJson()), ["provider"] = Provider, ["maxReplans"] = MaxReplans };
        if (Budget is { } b)
        {
            json["budget"] = new JsonObject
            {
                ["tokensIn"] = b.TokensIn,
                ["tokensOut"] = b.TokensOut,
                ["toolCalls"] = b.ToolCalls,
                ["wallTime"] = string.Create(CultureInfo.InvariantCulture, $"{(long)b.WallTime.TotalMilliseconds}ms"),
            };
        }

        foreach (string empty in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            json.Remove(empty);
        }

        return json;
    }

    private static string? Text(JsonObject request, string name) => request[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } text => text,
        _ => throw new ArgumentException($"'{name}' is a non-empty string."),
    };

    private static AgentBudget? ReadBudget(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject budget || budget.Select(p => p.Key).FirstOrDefault(k => k is not ("tokensIn" or "tokensOut" or "toolCalls" or "wallTime")) is { } unknown)
        {
            throw new ArgumentException("'budget' is {\"tokensIn\", \"tokensOut\", \"toolCalls\", \"wallTime\": \"5m\"}, each optional.");
        }

        var d = AgentBudget.Default;
        return new AgentBudget(Positive(budget, "tokensIn") ?? d.TokensIn, Positive(budget, "tokensOut") ?? d.TokensOut, (int?)Positive(budget, "toolCalls") ?? d.ToolCalls, Duration(budget["wallTime"]) ?? d.WallTime, null);
    }

    private static long? Positive(JsonObject budget, string name) => budget[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n is > 0 and <= int.MaxValue => n,
        _ => throw new ArgumentException($"'budget.{name}' is a whole number more than zero."),
    };

    private static TimeSpan? Duration(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var match = node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? DurationPattern().Match(v.GetValue<string>()) : Match.Empty;
        if (!match.Success)
        {
            throw new ArgumentException("'budget.wallTime' is a duration such as 500ms, 30s, 5m or 2h.");
        }

        double amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var duration = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromHours(amount),
        };
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(1) ? duration : throw new ArgumentException("'budget.wallTime' is more than zero and at most 24h.");
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();
}

/// <summary>How a Director run ended.</summary>
/// <param name="Succeeded">Whether a plan ran to completion.</param>
/// <param name="Answer">The model's answer to the goal from the results; null without a model, on failure, or when a budget stopped it first.</param>
/// <param name="Outputs">The outputs of the last plan's completed steps, by step id: partial when it failed or stopped.</param>
/// <param name="Error">Why it failed; null on success.</param>
/// <param name="Stopped">Which budget stopped it, and how much was used; null when none did.</param>
/// <param name="Trace">What it did, in order.</param>
/// <param name="Usage">What it spent: the model calls' tokens and turns, and the plans' tool calls and delegated agents' tokens.</param>
public sealed record DirectorResult(bool Succeeded, string? Answer, JsonObject Outputs, string? Error, string? Stopped, IReadOnlyList<DirectorTraceEntry> Trace, AgentUsage Usage)
{
    /// <summary>The result as the Director step's output.</summary>
    public JsonObject ToJson() => new()
    {
        ["succeeded"] = Succeeded,
        ["answer"] = Answer,
        ["outputs"] = Outputs.DeepClone(),
        ["error"] = Error,
        ["stopped"] = Stopped,
        ["trace"] = new JsonArray([.. Trace.Select(t => (JsonNode)new JsonObject { ["event"] = t.Event, ["detail"] = t.Detail, ["runId"] = t.RunId })]),
        ["usage"] = Usage.ToJson(),
    };
}

/// <summary>One thing the Director did.</summary>
/// <param name="Event"><c>plan</c>, <c>plan-refused</c>, <c>run-started</c>, <c>step-failed</c>, <c>run-completed</c>, <c>answer</c>, <c>stopped</c>.</param>
/// <param name="Detail">The plan's JSON, the errors, the step and its error…</param>
/// <param name="RunId">The workflow run it concerns, if any.</param>
public sealed record DirectorTraceEntry(string Event, string Detail, string? RunId = null);
