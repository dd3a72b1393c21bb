using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Workflows.Definitions;

/// <summary>
/// Reads a definition from YAML or JSON (JSON is YAML's flow style, so one reader serves both) into a
/// <see cref="WorkflowDefinition"/>, collecting every error with its line and column. Unknown fields are errors:
/// a misspelt <c>retry</c> must not silently mean "no retry". <see cref="WorkflowValidator"/> then checks the graph.
/// </summary>
public sealed partial class WorkflowParser
{
    private readonly List<DefinitionError> _errors = [];

    /// <summary>Parses <paramref name="source"/>, or throws <see cref="WorkflowDefinitionException"/> with every error found.</summary>
    public static WorkflowDefinition Parse(string source)
    {
        var errors = new List<DefinitionError>();
        var definition = Read(source, errors);
        return errors.Count > 0 ? throw new WorkflowDefinitionException(errors) : definition!;
    }

    /// <summary>Parses what it can of <paramref name="source"/>, adding every error to <paramref name="errors"/>; null when it is not YAML at all.</summary>
    public static WorkflowDefinition? Read(string source, List<DefinitionError> errors)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(errors);
        if (DefinitionLimits.Check(source) is { } refused)
        {
            errors.Add(refused);
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(source));
        }
        catch (YamlException e)
        {
            errors.Add(new DefinitionError(new SourcePosition((int)e.Start.Line, (int)e.Start.Column), $"not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}"));
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new DefinitionError(new SourcePosition(1, 1), "a definition is one mapping with name, inputs and steps"));
            return null;
        }

        var parser = new WorkflowParser();
        var definition = parser.ReadWorkflow(root);
        errors.AddRange(parser._errors);
        return definition;
    }

    internal static SourcePosition At(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    private WorkflowDefinition ReadWorkflow(YamlMappingNode root)
    {
        var fields = Fields(root, "name", "version", "description", "inputs", "steps");
        string name = Scalar(fields, "name", root) ?? string.Empty;
        if (fields.TryGetValue("name", out var nameNode) && !NamePattern().IsMatch(name))
        {
            Error(nameNode, $"the name '{name}' must be 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }

        int? version = fields.TryGetValue("version", out var versionNode) ? Integer(versionNode, 1, int.MaxValue) : null;
        var inputs = new List<InputDefinition>();
        if (fields.TryGetValue("inputs", out var inputsNode))
        {
            if (inputsNode is YamlMappingNode map)
            {
                foreach (var (key, value) in map.Children)
                {
                    inputs.Add(ReadInput(key, value));
                }
            }
            else
            {
                Error(inputsNode, "'inputs' is a mapping of input names to { required, default }");
            }
        }

        var steps = new List<StepDefinition>();
        if (!fields.TryGetValue("steps", out var stepsNode))
        {
            Error(root, "a workflow needs 'steps'");
        }
        else if (stepsNode is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            Error(stepsNode, "'steps' is a non-empty list of steps");
        }
        else
        {
            foreach (var node in list.Children)
            {
                if (ReadStep(node, nested: false) is { } step)
                {
                    steps.Add(step);
                }
            }
        }

        return new WorkflowDefinition(name, version, Scalar(fields, "description", root, required: false), inputs, steps) { NamePosition = At(nameNode ?? root) };
    }

    private InputDefinition ReadInput(YamlNode key, YamlNode value)
    {
        string name = ((YamlScalarNode)key).Value ?? string.Empty;
        if (!IdPattern().IsMatch(name))
        {
            Error(key, $"the input name '{name}' must be letters, digits, '_' or '-', starting with a letter or '_'");
        }

        if (value is YamlScalarNode { Value: null or "" or "~" })
        {
            return new InputDefinition(name, true, null, At(key));
        }

        if (value is not YamlMappingNode map)
        {
            Error(value, $"the input '{name}' is a mapping with 'required' and 'default', or empty");
            return new InputDefinition(name, true, null, At(key));
        }

        var fields = Fields(map, "required", "default", "description");
        var fallback = fields.TryGetValue("default", out var d) ? ToJson(d) : null;
        bool required = fields.TryGetValue("required", out var r) ? Boolean(r) : fallback is null;
        return new InputDefinition(name, required, fallback, At(key));
    }

    private StepDefinition? ReadStep(YamlNode node, bool nested)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, "a step is a mapping with an 'id' and one of 'tool', 'wait', 'approval', 'foreach' or 'agent'");
            return null;
        }

        var fields = Fields(map, "id", "needs", "if", "timeout", "retry", "tool", "arguments", "wait", "approval", "foreach", "concurrency", "do", "compensate", "agent", "director");
        string[] kinds = [.. new[] { StepKinds.Tool, StepKinds.Wait, StepKinds.Approval, StepKinds.Foreach, StepKinds.Agent, StepKinds.Director }.Where(fields.ContainsKey)];
        if (kinds.Length != 1)
        {
            Error(map, kinds.Length == 0 ? "a step needs one of 'tool', 'wait', 'approval', 'foreach' or 'agent'" : $"a step has one kind, not {string.Join(" and ", kinds)}");
            return null;
        }

        string kind = kinds[0];
        string id = nested ? string.Empty : Scalar(fields, "id", map) ?? string.Empty;
        if (!nested && fields.ContainsKey("id") && !IdPattern().IsMatch(id))
        {
            Error(fields["id"], $"the step id '{id}' must be letters, digits, '_' or '-', starting with a letter or '_'");
        }

        var step = new StepDefinition(id, kind, At(map))
        {
            Needs = fields.TryGetValue("needs", out var needs) ? ReadNeeds(needs) : null,
            If = fields.TryGetValue("if", out var condition) ? Expression(condition) : null,
            Timeout = fields.TryGetValue("timeout", out var timeout) ? Duration(timeout) : null,
            Retry = fields.TryGetValue("retry", out var retry) ? ReadRetry(retry) : RetryPolicy.None,
        };
        foreach (var (field, allowed) in new[] { ("arguments", kind is StepKinds.Tool or StepKinds.Agent or StepKinds.Director), ("concurrency", kind == StepKinds.Foreach), ("do", kind == StepKinds.Foreach), ("compensate", kind == StepKinds.Tool && !nested) })
        {
            if (!allowed && fields.TryGetValue(field, out var misplaced))
            {
                Error(misplaced, $"'{field}' does not belong on a {kind} step{(nested ? " inside 'do' or 'compensate'" : string.Empty)}");
            }
        }

        if (nested && (kind != StepKinds.Tool || fields.ContainsKey("needs") || fields.ContainsKey("id")))
        {
            Error(map, "a step inside 'do' or 'compensate' is a tool step with no 'id' or 'needs'");
        }

        return kind switch
        {
            StepKinds.Tool => step with
            {
                Tool = ReadTool(fields["tool"]),
                Arguments = fields.TryGetValue("arguments", out var arguments) ? ReadArguments(arguments) : null,
                ArgumentExpressions = fields.TryGetValue("arguments", out var withExpressions) ? CheckExpressions(withExpressions, []) : [],
                Compensate = fields.TryGetValue("compensate", out var compensate) ? ReadStep(compensate, nested: true) : null,
            },
            StepKinds.Wait => ReadWait(step, fields["wait"], fields.GetValueOrDefault("timeout")),
            StepKinds.Approval => step with { Message = ReadApproval(fields["approval"]) },
            StepKinds.Agent => step with
            {
                Agent = ReadAgent(fields["agent"]),
                Arguments = fields.TryGetValue("arguments", out var input) ? ReadArguments(input) : null,
                ArgumentExpressions = fields.TryGetValue("arguments", out var inputExpressions) ? CheckExpressions(inputExpressions, []) : [],
            },
            // The Director's request is its arguments (docs/agents.md); the 'director' mapping itself is empty.
            StepKinds.Director => fields["director"] is YamlMappingNode { Children.Count: 0 } ? step with
            {
                Arguments = fields.TryGetValue("arguments", out var request) ? ReadArguments(request) : null,
                ArgumentExpressions = fields.TryGetValue("arguments", out var requestExpressions) ? CheckExpressions(requestExpressions, []) : [],
            } : ErrorNull<StepDefinition>(fields["director"], "'director' is an empty mapping, {}; the request is the step's 'arguments'"),
            _ => step with
            {
                Items = Expression(fields["foreach"]),
                Concurrency = fields.TryGetValue("concurrency", out var concurrency) ? Integer(concurrency, 1, 100) ?? 1 : 1,
                Do = fields.TryGetValue("do", out var body) ? ReadStep(body, nested: true) : ErrorNull<StepDefinition>(map, "a foreach step needs 'do': the tool step run per item"),
            },
        };
    }

    private List<(string, SourcePosition)> ReadNeeds(YamlNode node)
    {
        var nodes = node is YamlSequenceNode list ? list.Children : [node];
        var needs = new List<(string, SourcePosition)>();
        foreach (var need in nodes)
        {
            if (need is YamlScalarNode { Value: { Length: > 0 } id })
            {
                needs.Add((id, At(need)));
            }
            else
            {
                Error(need, "'needs' lists step ids");
            }
        }

        return needs;
    }

    private RetryPolicy ReadRetry(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, "'retry' is a mapping: { max_attempts: 3, backoff: 1s }");
            return RetryPolicy.None;
        }

        var fields = Fields(map, "max_attempts", "backoff");
        int attempts = fields.TryGetValue("max_attempts", out var a) ? Integer(a, 1, 100) ?? 1 : 3;
        var backoff = fields.TryGetValue("backoff", out var b) ? Duration(b) ?? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1);
        return new RetryPolicy(attempts, backoff);
    }

    private string? ReadTool(YamlNode node)
    {
        string? tool = (node as YamlScalarNode)?.Value;
        if (tool is null || tool.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            Error(node, "'tool' names a server and its tool: 'server/tool'");
        }

        return tool;
    }

    private JsonNode? ReadArguments(YamlNode node)
    {
        if (node is not YamlMappingNode)
        {
            Error(node, "'arguments' is a mapping of argument names to values");
            return null;
        }

        return ToJson(node);
    }

    // 'wait: 30s' waits for a duration; 'wait: { event: NAME }' until the event is delivered (or the step's timeout).
    private StepDefinition ReadWait(StepDefinition step, YamlNode node, YamlNode? timeout)
    {
        if (node is not YamlMappingNode map)
        {
            if (timeout is not null)
            {
                Error(timeout, "'timeout' does not belong on a wait for a duration: the duration is the wait");
            }

            return step with { Duration = Duration(node) };
        }

        string? name = Scalar(Fields(map, "event"), "event", map);
        if (name is not null && !IdPattern().IsMatch(name))
        {
            Error(map, $"the event name '{name}' must be letters, digits, '_' or '-', starting with a letter or '_'");
        }

        return step with { Event = name };
    }

    /// <summary>
    /// An agent: <c>instructions</c> (required), <c>name</c> and <c>description</c> (for people and telemetry),
    /// <c>provider</c>, <c>model</c>, <c>tools</c> (globs such as
    /// <c>financial/*</c>; none when left out), <c>budget</c>, <c>approval_timeout</c>, <c>output_schema</c>, <c>replicate</c>
    /// (a Von Neumann agent's bounds). Read into the
    /// JSON the agent runtime takes (durations in milliseconds).
    /// </summary>
    internal JsonObject? ReadAgent(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            return ErrorNull<JsonObject>(node, "'agent' is a mapping: { instructions, model, tools, budget }");
        }

        var fields = Fields(map, "name", "description", "instructions", "provider", "model", "tools", "budget", "approval_timeout", "output_schema", "replicate");
        var agent = new JsonObject { ["instructions"] = Scalar(fields, "instructions", map) };
        foreach (string name in new[] { "name", "description", "provider", "model" })
        {
            if (Scalar(fields, name, map, required: false) is { } value)
            {
                agent[name] = value;
            }
        }

        var tools = new JsonArray();
        if (fields.TryGetValue("tools", out var toolsNode))
        {
            foreach (var tool in toolsNode is YamlSequenceNode list ? list.Children : [toolsNode])
            {
                if (tool is YamlScalarNode { Value: { } glob } && glob.Split('/') is [{ Length: > 0 }, { Length: > 0 }] or ["*"])
                {
                    tools.Add(glob);
                }
                else
                {
                    Error(tool, "'tools' lists 'server/tool' names or globs: 'financial/*', '*/read_*', '*'");
                }
            }
        }

        agent["tools"] = tools;
        if (fields.TryGetValue("budget", out var budgetNode))
        {
            agent["budget"] = ReadBudget(budgetNode);
        }

        if (fields.TryGetValue("approval_timeout", out var approvalTimeout) && Duration(approvalTimeout) is { } timeout)
        {
            agent["approvalTimeoutMs"] = (long)timeout.TotalMilliseconds;
        }

        if (fields.TryGetValue("output_schema", out var schema))
        {
            agent["outputSchema"] = schema is YamlMappingNode ? ToJson(schema) : ErrorNull<JsonNode>(schema, "'output_schema' is a JSON schema (a mapping)");
        }

        if (fields.TryGetValue("replicate", out var replicate))
        {
            agent["replicate"] = ReadReplicate(replicate);
        }

        return agent;
    }

    // A Von Neumann agent's bounds (docs/agents.md): how many copies one run starts, how deep the tree goes, how many
    // runs it has in all, and the most items one copy works on itself.
    private JsonObject ReadReplicate(YamlNode node)
    {
        var replicate = new JsonObject();
        if (node is not YamlMappingNode map)
        {
            Error(node, "'replicate' is a mapping: { width, depth, max_copies, part_size }");
            return replicate;
        }

        var fields = Fields(map, "width", "depth", "max_copies", "part_size");
        foreach (var (field, key, min, max) in new[] { ("width", "width", 2, 100), ("depth", "depth", 1, 10), ("max_copies", "maxCopies", 1, 10_000), ("part_size", "partSize", 1, 1_000_000) })
        {
            if (fields.TryGetValue(field, out var value) && Integer(value, min, max) is { } number)
            {
                replicate[key] = number;
            }
        }

        return replicate;
    }

    private JsonObject ReadBudget(YamlNode node)
    {
        var budget = new JsonObject();
        if (node is not YamlMappingNode map)
        {
            Error(node, "'budget' is a mapping: { tokens_in, tokens_out, tool_calls, wall_time, cost }");
            return budget;
        }

        var fields = Fields(map, "tokens_in", "tokens_out", "tool_calls", "wall_time", "cost");
        foreach (var (field, key) in new[] { ("tokens_in", "tokensIn"), ("tokens_out", "tokensOut"), ("tool_calls", "toolCalls") })
        {
            if (fields.TryGetValue(field, out var value) && Integer(value, 1, int.MaxValue) is { } limit)
            {
                budget[key] = (long)limit; // every number of a budget is a long, whatever its size
            }
        }

        if (fields.TryGetValue("wall_time", out var wall) && Duration(wall) is { } wallTime)
        {
            budget["wallTimeMs"] = (long)wallTime.TotalMilliseconds;
        }

        if (fields.TryGetValue("cost", out var cost))
        {
            if (cost is YamlScalarNode { Value: { } text } && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount) && amount > 0)
            {
                budget["cost"] = amount;
            }
            else
            {
                Error(cost, "'cost' is an amount more than zero, in the currency of the providers' prices (e.g. 0.50)");
            }
        }

        return budget;
    }

    private string? ReadApproval(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value,
        YamlMappingNode map => Scalar(Fields(map, "message"), "message", map, required: false),
        _ => ErrorNull<string>(node, "'approval' is the message to the approver, or { message: … }"),
    };

    // Every string value with an expression must parse; the error points at its scalar.
    private List<Template> CheckExpressions(YamlNode node, List<Template> found)
    {
        switch (node)
        {
            case YamlScalarNode { Value: { } text } when Template.HasExpression(text):
                if (Expression(node) is { } template)
                {
                    found.Add(template);
                }

                break;
            case YamlMappingNode map:
                foreach (var (_, value) in map.Children)
                {
                    CheckExpressions(value, found);
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    CheckExpressions(item, found);
                }

                break;
        }

        return found;
    }

    private Template? Expression(YamlNode node)
    {
        if (node is not YamlScalarNode { Value: { } text } || !Template.HasExpression(text))
        {
            return ErrorNull<Template>(node, "expected an expression, e.g. '${{ steps.fetch.output.items }}'");
        }

        if (!Template.TryParse(text, out var template, out var error))
        {
            Error(node, error);
            return null;
        }

        template.Position = At(node);
        return template;
    }

    private Dictionary<string, YamlNode> Fields(YamlMappingNode map, params string[] known)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!known.Contains(name))
            {
                Error(key, $"unknown field '{name}': expected {string.Join(", ", known)}");
            }
            else if (!fields.TryAdd(name, value))
            {
                Error(key, $"'{name}' is given twice");
            }
        }

        return fields;
    }

    private string? Scalar(Dictionary<string, YamlNode> fields, string name, YamlNode parent, bool required = true)
    {
        if (!fields.TryGetValue(name, out var node))
        {
            return required ? ErrorNull<string>(parent, $"'{name}' is required") : null;
        }

        return node is YamlScalarNode { Value: { Length: > 0 } value } ? value : ErrorNull<string>(node, $"'{name}' is a non-empty text");
    }

    private int? Integer(YamlNode node, int min, int max) =>
        node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : ErrorNull<int?>(node, $"expected a whole number from {min} to {max}");

    private bool Boolean(YamlNode node) =>
        node is YamlScalarNode { Value: "true" or "false" } scalar ? scalar.Value == "true" : ErrorNull<bool?>(node, "expected true or false") ?? false;

    /// <summary>A duration: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>.</summary>
    private TimeSpan? Duration(YamlNode node)
    {
        var match = node is YamlScalarNode { Value: { } text } ? DurationPattern().Match(text) : Match.Empty;
        if (!match.Success)
        {
            return ErrorNull<TimeSpan?>(node, "expected a duration such as 500ms, 30s, 5m, 2h or 1d");
        }

        double amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        double days = amount / match.Groups[2].Value switch { "ms" => 86_400_000, "s" => 86_400, "m" => 1_440, "h" => 24, _ => 1 };
        if (days > 365)
        {
            // Refused before a TimeSpan is made of it: TimeSpan.FromDays(99999999999) throws.
            return ErrorNull<TimeSpan?>(node, "a duration is more than zero and at most 365d");
        }

        var duration = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.FromDays(amount),
        };
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(365) ? duration : ErrorNull<TimeSpan?>(node, "a duration is more than zero and at most 365d");
    }

    /// <summary>
    /// YAML to JSON: plain scalars are typed (null, true, 12, 1.5), quoted ones are text, and so are numbers JSON cannot
    /// hold (1e999, NaN). Keys are text and unique: <see cref="DefinitionLimits.Check"/> refused the rest before the tree was built.
    /// </summary>
    internal static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? string.Empty, ToJson(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => JsonValue.Create(l),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) => JsonValue.Create(d),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? string.Empty),
        _ => null,
    };

    private void Error(YamlNode node, string message) => _errors.Add(new DefinitionError(At(node), message));

    private T? ErrorNull<T>(YamlNode node, string message)
    {
        Error(node, message);
        return default;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")]
    private static partial Regex DurationPattern();
}
