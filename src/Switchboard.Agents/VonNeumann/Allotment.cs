using System.Text.Json.Nodes;
using Switchboard.Agents.Runtime;

namespace Switchboard.Agents.VonNeumann;

/// <summary>
/// One run's share of a Von Neumann tree's bounds: the tokens, tool calls and cost it and its copies may spend, how
/// many runs its subtree may have (itself included), and the tree's deadline. The first run's allotment is the
/// declared budget and <c>max_copies</c>; a run divides its own among the copies it starts, never more than it has.
/// </summary>
public sealed record Allotment(long TokensIn, long TokensOut, long ToolCalls, decimal? Cost, int Copies, DateTimeOffset Deadline)
{
    /// <summary>The first run's: the whole budget, <paramref name="maxCopies"/> runs, and the wall time from when it was created.</summary>
    public static Allotment Root(AgentBudget budget, int maxCopies, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return new(budget.TokensIn, budget.TokensOut, budget.ToolCalls, budget.Cost, maxCopies, createdAt + budget.WallTime);
    }

    /// <summary>
    /// The shares of copies working on parts of <paramref name="counts"/> items: tokens, tool calls and cost in
    /// proportion to their items (rounded down, so they never add up to more); the runs this one may still start,
    /// spread evenly; the same deadline (copies run side by side).
    /// </summary>
    public IReadOnlyList<Allotment> Divide(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long total = counts.Sum(c => (long)c);
        int spare = Copies - 1;
        return [.. counts.Select((count, i) => new Allotment(
            Share(TokensIn, count, total),
            Share(TokensOut, count, total),
            Share(ToolCalls, count, total),
            Cost is { } cost ? decimal.Round(cost * count / total, 6, MidpointRounding.ToZero) : null,
            (spare / counts.Count) + (i < spare % counts.Count ? 1 : 0),
            Deadline))];
    }

    /// <summary>The agent step's <c>budget</c> for a run that works on its part itself, its agent loop started at <paramref name="startedAt"/>.</summary>
    public JsonObject ToBudget(DateTimeOffset startedAt) => new()
    {
        ["tokensIn"] = TokensIn,
        ["tokensOut"] = TokensOut,
        ["toolCalls"] = ToolCalls,
        ["wallTimeMs"] = Math.Max(0L, (long)(Deadline - startedAt).TotalMilliseconds),
        ["cost"] = Cost,
    };

    /// <summary>As stored in the run's <c>allotment</c> column.</summary>
    public JsonObject ToJson() => new()
    {
        ["tokensIn"] = TokensIn,
        ["tokensOut"] = TokensOut,
        ["toolCalls"] = ToolCalls,
        ["cost"] = Cost,
        ["copies"] = Copies,
        ["deadline"] = Deadline,
    };

    /// <summary>Reads <see cref="ToJson"/>'s form.</summary>
    public static Allotment FromJson(string json)
    {
        var node = JsonNode.Parse(json)!;
        return new(
            node["tokensIn"]!.GetValue<long>(),
            node["tokensOut"]!.GetValue<long>(),
            node["toolCalls"]!.GetValue<long>(),
            node["cost"]?.GetValue<decimal>(),
            node["copies"]!.GetValue<int>(),
            node["deadline"]!.GetValue<DateTimeOffset>());
    }

    private static long Share(long amount, int count, long total) => (long)(amount * (decimal)count / total);
}
