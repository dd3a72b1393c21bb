using System.Globalization;
using System.Text.Json.Nodes;

namespace Switchboard.Agents.Runtime;

/// <summary>
/// What one agent run may spend. A limit left out takes its default (a run must not run away because nobody wrote a
/// budget), except cost, which is only counted when the provider's prices are configured.
/// </summary>
public sealed record AgentBudget(long TokensIn, long TokensOut, int ToolCalls, TimeSpan WallTime, decimal? Cost)
{
    /// <summary>The limits an agent gets when it declares none.</summary>
    public static AgentBudget Default { get; } = new(200_000, 50_000, 50, TimeSpan.FromMinutes(15), null);

    /// <summary>Reads a <c>budget</c> as the parser wrote it; missing limits take <see cref="Default"/>'s.</summary>
    public static AgentBudget FromJson(JsonObject? budget) => budget is null ? Default : new(
        budget["tokensIn"]?.GetValue<long>() ?? Default.TokensIn,
        budget["tokensOut"]?.GetValue<long>() ?? Default.TokensOut,
        (int?)budget["toolCalls"]?.GetValue<long>() ?? Default.ToolCalls,
        budget["wallTimeMs"] is { } ms ? TimeSpan.FromMilliseconds(ms.GetValue<long>()) : Default.WallTime,
        budget["cost"]?.GetValue<decimal>());

    /// <summary>Which limit <paramref name="usage"/> has reached after <paramref name="elapsed"/>; null while all have room.</summary>
    public string? Exhausted(AgentUsage usage, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return usage switch
        {
            _ when usage.TokensIn >= TokensIn => $"the input token budget ({TokensIn.ToString(CultureInfo.InvariantCulture)}) is spent: {usage.TokensIn.ToString(CultureInfo.InvariantCulture)} used",
            _ when usage.TokensOut >= TokensOut => $"the output token budget ({TokensOut.ToString(CultureInfo.InvariantCulture)}) is spent: {usage.TokensOut.ToString(CultureInfo.InvariantCulture)} used",
            _ when usage.ToolCalls >= ToolCalls => $"the tool call budget ({ToolCalls.ToString(CultureInfo.InvariantCulture)}) is spent",
            _ when elapsed >= WallTime => $"the wall time budget ({WallTime}) is spent",
            _ when Cost is { } cost && usage.Cost >= cost => $"the cost budget ({cost.ToString(CultureInfo.InvariantCulture)}) is spent: {usage.Cost.ToString(CultureInfo.InvariantCulture)} estimated",
            _ => null,
        };
    }
}

/// <summary>What an agent run has spent so far: tokens as the provider reported them, tool calls made, estimated cost, model turns.</summary>
public sealed record AgentUsage(long TokensIn, long TokensOut, int ToolCalls, decimal Cost, int Turns)
{
    /// <summary>Nothing spent.</summary>
    public static AgentUsage None { get; } = new(0, 0, 0, 0m, 0);

    /// <summary>After one model turn: its tokens, priced per 1,000 at the model's prices (none: no cost counted).</summary>
    public AgentUsage AddTurn(long tokensIn, long tokensOut, ModelPrices? prices) => this with
    {
        TokensIn = TokensIn + tokensIn,
        TokensOut = TokensOut + tokensOut,
        Cost = Cost + (prices is null ? 0m : ((tokensIn * prices.InputPer1K) + (tokensOut * prices.OutputPer1K)) / 1000m),
        Turns = Turns + 1,
    };

    /// <summary>As JSON, for the checkpoint and the step's output.</summary>
    public JsonObject ToJson() => new()
    {
        ["tokensIn"] = TokensIn,
        ["tokensOut"] = TokensOut,
        ["toolCalls"] = ToolCalls,
        ["cost"] = Cost,
        ["turns"] = Turns,
    };

    /// <summary>Reads <see cref="ToJson"/>'s form.</summary>
    public static AgentUsage FromJson(JsonNode? usage) => usage is null ? None : new(
        usage["tokensIn"]!.GetValue<long>(),
        usage["tokensOut"]!.GetValue<long>(),
        usage["toolCalls"]!.GetValue<int>(),
        usage["cost"]!.GetValue<decimal>(),
        usage["turns"]!.GetValue<int>());
}
