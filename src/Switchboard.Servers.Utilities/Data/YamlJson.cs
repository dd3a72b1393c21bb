using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>
/// YAML ⇄ JSON on YamlDotNet's event stream. The tree is built here rather than with YamlStream because that
/// representation model recurses per nesting level (a deeply nested input would overflow the stack and end the
/// process) and expands aliases without bound (the "billion laughs" document); this builder checks depth and counts
/// every value it produces, alias expansions included.
/// </summary>
internal static partial class YamlJson
{
    /// <summary>Reads one YAML document into JSON. Plain scalars are typed with the YAML 1.2 core schema.</summary>
    public static JsonNode? Read(string yaml, CancellationToken cancellationToken)
    {
        var parser = new Parser(new StringReader(yaml));
        var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var stack = new Stack<(JsonNode Container, string? Key, string? Anchor)>();
        string? pendingKey = null;
        bool expectKey = false;
        JsonNode? root = null;
        bool haveRoot = false;
        int documents = 0;
        int nodes = 0;
        long chars = 0;

        try
        {
            while (parser.MoveNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = parser.Current;
                switch (current)
                {
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            ToolError.Throw("The YAML input holds more than one document ('---'): send one document at a time.");
                        }

                        break;
                    case Scalar scalar when expectKey:
                        chars += scalar.Value.Length;
                        pendingKey = scalar.Value;
                        expectKey = false;
                        break;
                    case MappingStart or SequenceStart when expectKey:
                        ToolError.Throw($"A YAML mapping key at line {current.Start.Line} is a collection; JSON object keys must be strings.");
                        break;
                    case Scalar scalar:
                        chars += scalar.Value.Length;
                        Add(ResolveScalar(scalar), Anchor(scalar));
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            ToolError.Throw($"YAML alias '*{alias.Value.Value}' at line {alias.Start.Line} refers to an unknown anchor.");
                        }

                        var (targetNodes, targetChars) = Size(target);
                        chars += targetChars;
                        if (chars > Limits.MaxExpandedChars)
                        {
                            break;
                        }

                        if (expectKey)
                        {
                            pendingKey = target?.ToString() ?? "null";
                            expectKey = false;
                            break;
                        }

                        nodes += targetNodes;
                        if (nodes > Limits.MaxNodes)
                        {
                            break;
                        }

                        Add(target?.DeepClone(), anchor: null);
                        break;
                    case MappingStart mapping:
                        Open(new JsonObject(), Anchor(mapping), current);
                        expectKey = true;
                        break;
                    case SequenceStart sequence:
                        Open(new JsonArray(), Anchor(sequence), current);
                        expectKey = false;
                        break;
                    case MappingEnd or SequenceEnd:
                        var (container, key, anchor) = stack.Pop();
                        pendingKey = key;
                        Add(container, anchor, opened: true);
                        break;
                }

                if (nodes > Limits.MaxNodes)
                {
                    ToolError.Throw($"The YAML document expands to more than {Limits.MaxNodes:N0} values (aliases count once per use); it is too large to convert.");
                }

                if (chars > Limits.MaxExpandedChars)
                {
                    ToolError.Throw($"The YAML document expands to more than {Limits.MaxExpandedChars:N0} characters of keys and values (aliases count once per use); it is too large to convert.");
                }
            }
        }
        catch (YamlException ex)
        {
            ToolError.Throw($"'input' is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some malformed flow collections.
            var at = parser.Current?.End;
            ToolError.Throw($"'input' is not valid YAML at line {at?.Line ?? 1}, column {at?.Column ?? 1}: check for an unclosed '[' or '{{' or a misplaced ':'.");
        }

        return haveRoot ? root : ToolError.Throw<JsonNode?>("'input' holds no YAML document.");

        void Open(JsonNode container, string? anchor, ParsingEvent at)
        {
            if (stack.Count >= Limits.MaxDepth)
            {
                ToolError.Throw($"The YAML document nests deeper than {Limits.MaxDepth} levels (line {at.Start.Line}).");
            }

            stack.Push((container, pendingKey, anchor));
            pendingKey = null;
        }

        void Add(JsonNode? value, string? anchor, bool opened = false)
        {
            if (!opened)
            {
                nodes++;
            }

            if (anchor is not null)
            {
                anchors[anchor] = value;
            }

            if (stack.Count == 0)
            {
                root = value;
                haveRoot = true;
                return;
            }

            switch (stack.Peek().Container)
            {
                case JsonObject obj:
                    obj[pendingKey!] = value;
                    pendingKey = null;
                    expectKey = true;
                    break;
                case JsonArray array:
                    array.Add(value);
                    expectKey = false;
                    break;
            }
        }
    }

    /// <summary>Writes JSON as block-style YAML; strings that would read back as another type are quoted.</summary>
    public static string Write(JsonNode? node)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Emit(Emitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            default:
                // Numbers and booleans keep their JSON spelling, which YAML 1.2 reads back as the same type.
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, node.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(Emitter emitter, string value)
    {
        bool ambiguous = value.Length == 0 || ResolvePlain(value) is not JsonValue { } resolved || resolved.GetValueKind() != JsonValueKind.String;
        var style = ambiguous ? ScalarStyle.DoubleQuoted : value.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal : ScalarStyle.Any;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, style, !ambiguous, true));
    }

    private static string? Anchor(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

    private static JsonNode? ResolveScalar(Scalar scalar)
    {
        if (scalar.Style is not ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value is "tag:yaml.org,2002:str" or "!"))
        {
            return JsonValue.Create(scalar.Value);
        }

        return ResolvePlain(scalar.Value);
    }

    // YAML 1.2.2 core schema, §10.3.2 (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
    private static JsonNode? ResolvePlain(string value)
    {
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }

        if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
        {
            return JsonValue.Create(hex);
        }

        if (value.StartsWith("0o", StringComparison.Ordinal) && value.Length > 2 && value.AsSpan(2).IndexOfAnyExcept("01234567") < 0)
        {
            return JsonValue.Create(Convert.ToInt64(value[2..], 8));
        }

        if (FloatPattern().IsMatch(value) && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal number))
        {
            return JsonValue.Create(number);
        }

        // .inf and .nan have no JSON spelling; they stay strings.
        return JsonValue.Create(value);
    }

    // The values an alias to node adds, and the characters of their keys and scalars.
    private static (int Nodes, long Chars) Size(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var (objectNodes, objectChars) = (1, 0L);
                foreach (var (key, value) in obj)
                {
                    var (nodes, chars) = Size(value);
                    (objectNodes, objectChars) = (objectNodes + nodes, objectChars + key.Length + chars);
                }

                return (objectNodes, objectChars);
            case JsonArray array:
                var (arrayNodes, arrayChars) = (1, 0L);
                foreach (var item in array)
                {
                    var (nodes, chars) = Size(item);
                    (arrayNodes, arrayChars) = (arrayNodes + nodes, arrayChars + chars);
                }

                return (arrayNodes, arrayChars);
            case JsonValue value when value.TryGetValue<string>(out var text):
                return (1, text.Length);
            default:
                return (1, node?.ToJsonString().Length ?? 4);
        }
    }

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FloatPattern();
}
