using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Switchboard.Agents.Director;

/// <summary>What the Director is asked: a goal to plan, or a plan to run (re-planned on failure when a model is named).</summary>
/// <param name="Goal">What to achieve; the model plans it. Null when <paramref name="Plan"/> is given.</param>
/// <param name="Plan">A plan to run as it is.</param>
/// <param name="Provider">The model provider (<c>Agents:Providers</c>) that plans, re-plans and answers.</param>
/// <param name="MaxReplans">How many new plans after the first, whether it failed validation or a step failed.</param>
public sealed record DirectorRequest(string? Goal, DirectorPlan? Plan, string? Provider, int MaxReplans = 2);

/// <summary>How a Director run ended.</summary>
/// <param name="Succeeded">Whether a plan ran to completion.</param>
/// <param name="Answer">The model's answer to the goal from the results; null without a model, or on failure.</param>
/// <param name="Outputs">The outputs of the last plan's completed steps, by step id.</param>
/// <param name="Error">Why it failed; null on success.</param>
/// <param name="Trace">What it did, in order.</param>
/// <param name="Usage">Tokens the model calls used.</param>
public sealed record DirectorResult(bool Succeeded, string? Answer, JsonObject Outputs, string? Error, IReadOnlyList<DirectorTraceEntry> Trace, UsageDetails Usage);

/// <summary>One thing the Director did.</summary>
/// <param name="Event"><c>plan</c>, <c>plan-refused</c>, <c>run-started</c>, <c>step-failed</c>, <c>run-completed</c>, <c>answer</c>.</param>
/// <param name="Detail">The plan's JSON, the errors, the step and its error…</param>
/// <param name="RunId">The workflow run it concerns, if any.</param>
public sealed record DirectorTraceEntry(string Event, string Detail, string? RunId = null);
