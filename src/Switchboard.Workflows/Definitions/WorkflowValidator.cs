using System.Globalization;

namespace Switchboard.Workflows.Definitions;

/// <summary>
/// Checks what parsing cannot: step ids are unique, <c>needs</c> name existing steps and form no cycle, every
/// expression reads a declared input or an earlier step it (transitively) needs, <c>item</c> and <c>index</c> appear
/// only inside a fan-out's <c>do</c>, and every tool exists.
/// </summary>
public static class WorkflowValidator
{
    /// <summary>Parses and validates <paramref name="source"/>; throws <see cref="WorkflowDefinitionException"/> with every error, by line.</summary>
    /// <param name="source">YAML or JSON.</param>
    /// <param name="toolExists">Whether a <c>server/tool</c> is registered.</param>
    public static WorkflowDefinition ParseAndValidate(string source, Func<string, bool> toolExists)
    {
        ArgumentNullException.ThrowIfNull(toolExists);
        var errors = new List<DefinitionError>();
        var definition = WorkflowParser.Read(source, errors);
        if (definition is not null)
        {
            errors.AddRange(Validate(definition, toolExists));
        }

        return errors.Count > 0
            ? throw new WorkflowDefinitionException([.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)])
            : definition!;
    }

    /// <summary>The most steps a definition may have (a foreach's items are not steps of the definition).</summary>
    public const int MaxSteps = 1000;

    /// <summary>The errors in a parsed definition, by position.</summary>
    public static List<DefinitionError> Validate(WorkflowDefinition definition, Func<string, bool> toolExists)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new List<DefinitionError>();
        if (definition.Steps.Count > MaxSteps)
        {
            // The checks below follow chains of needs recursively and keep each step's ancestors: bounded here.
            errors.Add(new(definition.Steps[MaxSteps].Position, $"a workflow has at most {MaxSteps.ToString("N0", CultureInfo.InvariantCulture)} steps; this one has {definition.Steps.Count.ToString("N0", CultureInfo.InvariantCulture)}: split it into workflows that run one another"));
            return errors;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in definition.Steps.Where(s => !ids.Add(s.Id)))
        {
            errors.Add(new(step.Position, $"the step id '{step.Id}' is used twice"));
        }

        var needs = Dependencies(definition);
        foreach (var step in definition.Steps)
        {
            foreach (var (id, position) in step.Needs ?? [])
            {
                if (!ids.Contains(id))
                {
                    errors.Add(new(position, $"the step '{step.Id}' needs '{id}', which is not a step of this workflow"));
                }
            }
        }

        var ancestors = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var step in definition.Steps)
        {
            if (Ancestors(step.Id, needs, ancestors, []) is null)
            {
                errors.Add(new(step.Position, $"the step '{step.Id}' is part of a cycle in 'needs'"));
            }
        }

        var inputs = definition.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var step in definition.Steps)
        {
            var before = ancestors.GetValueOrDefault(step.Id) ?? new HashSet<string>(StringComparer.Ordinal);
            CheckTemplates(step, [step.If, step.Items], before, inputs, inItem: false, errors);
            CheckTool(step, toolExists, errors);
            if (step.Do is { } body)
            {
                CheckTemplates(step, [body.If, .. body.ArgumentExpressions], before, inputs, inItem: true, errors);
                CheckTool(body, toolExists, errors);
            }

            CheckTemplates(step, step.ArgumentExpressions, before, inputs, inItem: false, errors);
            if (step.Compensate is { } compensate)
            {
                // A compensation runs after its step completed: it may read that step's output too.
                CheckTemplates(step, [compensate.If, .. compensate.ArgumentExpressions], new HashSet<string>(before.Append(step.Id), StringComparer.Ordinal), inputs, inItem: false, errors);
                CheckTool(compensate, toolExists, errors);
            }
        }

        return [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)];
    }

    /// <summary>What each step waits for: its <c>needs</c>, or else the step before it.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Dependencies(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var needs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (int i = 0; i < definition.Steps.Count; i++)
        {
            var step = definition.Steps[i];
            needs.TryAdd(step.Id, step.Needs?.Select(n => n.Id).ToList() ?? (i == 0 ? [] : [definition.Steps[i - 1].Id]));
        }

        return needs;
    }

    // Every step id reachable through needs; null when the walk meets the step it started from (a cycle).
    private static HashSet<string>? Ancestors(string id, Dictionary<string, IReadOnlyList<string>> needs, Dictionary<string, HashSet<string>> done, HashSet<string> visiting)
    {
        if (done.TryGetValue(id, out var known))
        {
            return known;
        }

        if (!visiting.Add(id))
        {
            return null;
        }

        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var need in needs.GetValueOrDefault(id) ?? [])
        {
            if (!needs.ContainsKey(need))
            {
                continue; // reported as an unknown step
            }

            if (Ancestors(need, needs, done, visiting) is not { } theirs)
            {
                return null;
            }

            all.Add(need);
            all.UnionWith(theirs);
        }

        visiting.Remove(id);
        done[id] = all;
        return all;
    }

    private static void CheckTemplates(StepDefinition step, IEnumerable<Template?> templates, IReadOnlySet<string> before, HashSet<string> inputs, bool inItem, List<DefinitionError> errors)
    {
        foreach (var template in templates.OfType<Template>())
        {
            foreach (var path in template.Paths)
            {
                string? problem = path.Root switch
                {
                    "inputs" when path.Segments is [string name, ..] && !inputs.Contains(name) => $"'{path}' reads the input '{name}', which is not declared in 'inputs'",
                    "inputs" when path.Segments is [] or [int, ..] => $"'{path}' must name an input: inputs.<name>",
                    "steps" when path.Segments is not [string, ..] => $"'{path}' must name a step: steps.<id>.output",
                    "steps" when path.Segments is [string id, ..] && !before.Contains(id) =>
                        $"'{path}' reads the step '{id}', which the step '{step.Id}' does not need (add it to 'needs', or it is not a step)",
                    "steps" when path.Segments is [_, string field, ..] && field is not ("output" or "state") => $"'{path}': a step has 'output' and 'state'",
                    "item" or "index" when !inItem => $"'{path}' is only defined inside a foreach step's 'do'",
                    _ => null,
                };
                if (problem is not null)
                {
                    errors.Add(new(template.Position, problem));
                }
            }
        }
    }

    private static void CheckTool(StepDefinition step, Func<string, bool> toolExists, List<DefinitionError> errors)
    {
        if (step.Tool is { } tool && tool.Contains('/', StringComparison.Ordinal) && !toolExists(tool))
        {
            errors.Add(new(step.Position, $"the tool '{tool}' is not registered (write 'server/tool'; `switchboard servers list` shows the servers)"));
        }
    }
}
