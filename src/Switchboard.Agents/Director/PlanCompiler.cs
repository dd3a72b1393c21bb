using System.Text.Json.Nodes;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Agents.Director;

/// <summary>
/// Turns a <see cref="DirectorPlan"/> into a workflow definition, refusing what the run could not do: a tool that does
/// not exist or that the principal may not call, a step that reads a step it does not need, a cycle. The errors are
/// written for the model, which re-plans from them.
/// </summary>
internal static class PlanCompiler
{
    /// <summary>The definition's source (JSON), or the errors that refuse the plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="workflow">The workflow's name.</param>
    /// <param name="refusal">Why a <c>server/tool</c> cannot be called by the run's principal; null when it can.</param>
    public static (string? Source, IReadOnlyList<string> Errors) Compile(DirectorPlan plan, string workflow, Func<string, string?> refusal)
    {
        var errors = new List<string>();
        var steps = new JsonArray();
        foreach (var step in plan.Steps)
        {
            if (step.Agent is not null)
            {
                // The 'agent' step kind belongs to the agent runtime; until it is registered a plan can only call tools.
                errors.Add($"step '{step.Id}': delegation to agents is not available here; call tools instead");
                continue;
            }

            if (string.IsNullOrWhiteSpace(step.Tool))
            {
                errors.Add($"step '{step.Id}': give 'tool' (server/tool) and its 'arguments'");
                continue;
            }

            if (refusal(step.Tool) is { } refused)
            {
                errors.Add($"step '{step.Id}': {refused}");
                continue;
            }

            var declared = new JsonObject
            {
                ["id"] = step.Id,
                ["tool"] = step.Tool,
                ["arguments"] = step.Arguments?.DeepClone() ?? new JsonObject(),
            };
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
