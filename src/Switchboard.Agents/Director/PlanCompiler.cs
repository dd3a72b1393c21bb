using System.Text.Json.Nodes;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Agents.Director;

/// <summary>
/// Turns a <see cref="DirectorPlan"/> into a workflow definition, refusing what the run could not do: a tool that does
/// not exist or that the principal may not call, an agent it may not run, a step that reads a step it does not need, a
/// cycle. A delegation becomes an <c>agent</c> step holding the delegated agent's declaration (with its budget cut to
/// the Director's share). The errors are written for the model, which re-plans from them.
/// </summary>
internal static class PlanCompiler
{
    /// <summary>The definition's source (JSON), or the errors that refuse the plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="workflow">The workflow's name.</param>
    /// <param name="refusal">Why a <c>server/tool</c> cannot be called by the run's principal; null when it can.</param>
    /// <param name="agent">The agent mapping (declaration) a delegation to the named agent runs, or why it cannot.</param>
    public static (string? Source, IReadOnlyList<string> Errors) Compile(DirectorPlan plan, string workflow, Func<string, string?> refusal, Func<string, (JsonObject? Agent, string? Refusal)> agent)
    {
        var errors = new List<string>();
        var steps = new JsonArray();
        foreach (var step in plan.Steps)
        {
            JsonObject declared;
            if (step.Agent is not null)
            {
                if (step.Tool is not null)
                {
                    errors.Add($"step '{step.Id}': give 'tool' or 'agent', not both");
                    continue;
                }

                var (mapping, refused) = agent(step.Agent);
                if (mapping is null)
                {
                    errors.Add($"step '{step.Id}': {refused}");
                    continue;
                }

                declared = new JsonObject { ["id"] = step.Id, ["agent"] = mapping, ["arguments"] = new JsonObject { ["input"] = step.Input ?? string.Empty } };
            }
            else if (string.IsNullOrWhiteSpace(step.Tool))
            {
                errors.Add($"step '{step.Id}': give 'tool' (server/tool) and its 'arguments', or 'agent' and its 'input'");
                continue;
            }
            else if (refusal(step.Tool) is { } refused)
            {
                errors.Add($"step '{step.Id}': {refused}");
                continue;
            }
            else
            {
                declared = new JsonObject { ["id"] = step.Id, ["tool"] = step.Tool, ["arguments"] = step.Arguments?.DeepClone() ?? new JsonObject() };
            }

            // A plan's step with no 'needs' needs nothing; a workflow's would need the step before it.
            declared["needs"] = new JsonArray([.. (step.Needs ?? []).Select(n => JsonValue.Create(n))]);
            steps.Add(declared);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        string source = new JsonObject { ["name"] = workflow, ["steps"] = steps }.ToJsonString();
        try
        {
            // Tools were checked above, against the principal's permissions as well as the registry.
            WorkflowValidator.ParseAndValidate(source, _ => true);
            return (source, []);
        }
        catch (WorkflowDefinitionException e)
        {
            return (null, [.. e.Errors.Select(d => d.Message)]);
        }
    }
}
