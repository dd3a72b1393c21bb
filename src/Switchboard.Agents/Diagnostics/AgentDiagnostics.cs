using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Switchboard.Agents.Diagnostics;

/// <summary>
/// The agents' <see cref="ActivitySource"/> and <see cref="Meter"/>: a span per agent step (<c>invoke_agent</c>) and per
/// tool call (<c>execute_tool</c>) with the OpenTelemetry GenAI attribute names (model calls' <c>chat</c> spans come
/// from the provider layer, under the same source name), and
/// counters of tokens, estimated cost, tool calls and finished agent steps.
/// </summary>
public static class AgentDiagnostics
{
    /// <summary>The name of both the activity source and the meter: <c>Switchboard.Agents</c>.</summary>
    public const string Name = "Switchboard.Agents";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(AgentDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(AgentDiagnostics).Assembly.GetName().Version?.ToString());

    // Labelled by provider, model and token type only (never the principal or the run): cardinality of the configuration.
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>(
        "switchboard.agent.tokens", unit: "{token}", description: "Tokens agents used, as the provider reported them, by gen_ai.provider.name, gen_ai.request.model and gen_ai.token.type (input, output).");

    private static readonly Counter<double> Cost = Meter.CreateCounter<double>(
        "switchboard.agent.cost", unit: "{currency}", description: "Estimated cost of agents' model calls, from the configured prices per 1,000 tokens.");

    private static readonly Counter<long> ToolCalls = Meter.CreateCounter<long>(
        "switchboard.agent.tool_calls", unit: "{call}", description: "Tool calls agents made, by outcome: ok, error, denied, deferred.");

    private static readonly Counter<long> Finished = Meter.CreateCounter<long>(
        "switchboard.agent.steps", unit: "{step}", description: "Agent steps that ended, by outcome: answered, budget, failed, waiting.");

    /// <summary>Counts a model turn's tokens and cost.</summary>
    public static void RecordTurn(string provider, string model, long tokensIn, long tokensOut, decimal cost)
    {
        var providerTag = new KeyValuePair<string, object?>("gen_ai.provider.name", provider);
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", model);
        Tokens.Add(tokensIn, providerTag, modelTag, new("gen_ai.token.type", "input"));
        Tokens.Add(tokensOut, providerTag, modelTag, new("gen_ai.token.type", "output"));
        if (cost > 0)
        {
            Cost.Add((double)cost, providerTag, modelTag);
        }
    }

    /// <summary>Counts an agent's tool call by outcome.</summary>
    public static void RecordToolCall(string outcome) => ToolCalls.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts an agent step's end by outcome.</summary>
    public static void RecordStep(string outcome) => Finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
