using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Workflows.Definitions;

/// <summary>
/// A string that may hold expressions: <c>${{ inputs.x }}</c>, <c>${{ steps.fetch.output.items[0].id }}</c>,
/// <c>${{ item }}</c>, and in conditions one comparison, <c>${{ steps.check.output.ok == true }}</c>. Field and index
/// access over JSON only: there are no calls, no arithmetic and nothing that runs code. A string that is exactly one
/// expression evaluates to its JSON value (a list stays a list); otherwise each value is written into the text.
/// </summary>
public sealed class Template
{
    private readonly IReadOnlyList<object> _parts; // string or Expression

    private Template(string text, IReadOnlyList<object> parts)
    {
        Text = text;
        _parts = parts;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>Where it was read from, for error messages.</summary>
    public SourcePosition Position { get; internal set; }

    /// <summary>The paths its expressions read (for validation).</summary>
    public IEnumerable<ExpressionPath> Paths => _parts.OfType<Expression>().Select(e => e.Path);

    /// <summary>Whether <paramref name="text"/> holds an expression at all.</summary>
    public static bool HasExpression(string text) => text.Contains("${{", StringComparison.Ordinal);

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says what is wrong and at which character.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Template? template, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<object>();
        int at = 0;
        while (at < text.Length)
        {
            int open = text.IndexOf("${{", at, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(text[at..]);
                break;
            }

            if (open > at)
            {
                parts.Add(text[at..open]);
            }

            int close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
            if (close < 0)
            {
                (template, error) = (null, $"the expression at character {open + 1} has no closing '}}}}'");
                return false;
            }

            if (!Expression.TryParse(text[(open + 3)..close], out var expression, out error))
            {
                template = null;
                error = $"the expression '{text[open..(close + 2)]}' at character {open + 1}: {error}";
                return false;
            }

            parts.Add(expression);
            at = close + 2;
        }

        (template, error) = (new Template(text, parts), null);
        return true;
    }

    /// <summary>The value over <paramref name="scope"/> (<c>{"inputs":…,"steps":…,"item":…,"index":…}</c>). A missing field is null.</summary>
    public JsonNode? Evaluate(JsonObject scope)
    {
        if (_parts is [Expression only])
        {
            return only.Evaluate(scope)?.DeepClone();
        }

        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            text.Append(part is Expression e ? e.Evaluate(scope) switch
            {
                null => string.Empty,
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                var node => node.ToJsonString(),
            } : (string)part);
        }

        return JsonValue.Create(text.ToString());
    }

    /// <summary>Whether the template is true: not null, false, 0, "" or an empty list.</summary>
    public bool IsTrue(JsonObject scope) => Evaluate(scope) switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v when v.TryGetValue<double>(out var d) => d != 0,
        _ => true,
    };

    /// <summary>Replaces every expression in the string values of <paramref name="node"/> (already validated).</summary>
    public static JsonNode? Render(JsonNode? node, JsonObject scope) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Render(p.Value, scope)))),
        JsonArray a => new JsonArray([.. a.Select(i => Render(i, scope))]),
        JsonValue v when v.TryGetValue<string>(out var s) && HasExpression(s) && TryParse(s, out var t, out _) => t.Evaluate(scope),
        _ => node?.DeepClone(),
    };

    /// <inheritdoc />
    public override string ToString() => Text;

    private sealed record Expression(ExpressionPath Path, bool? Equal, JsonNode? Literal)
    {
        public static bool TryParse(string text, [NotNullWhen(true)] out Expression? expression, [NotNullWhen(false)] out string? error)
        {
            expression = null;
            var reader = new Reader(text);
            reader.SkipSpaces();
            if (!ExpressionPath.TryRead(ref reader, out var path, out error))
            {
                return false;
            }

            reader.SkipSpaces();
            if (reader.AtEnd)
            {
                expression = new Expression(path, null, null);
                return true;
            }

            bool? equal = reader.Take("==") ? true : reader.Take("!=") ? false : null;
            if (equal is null)
            {
                error = $"expected the end, '==' or '!=' at '{reader.Rest}'";
                return false;
            }

            reader.SkipSpaces();
            if (!TryReadLiteral(ref reader, out var literal, out error))
            {
                return false;
            }

            reader.SkipSpaces();
            if (!reader.AtEnd)
            {
                error = $"unexpected '{reader.Rest}' after the comparison";
                return false;
            }

            expression = new Expression(path, equal, literal);
            return true;
        }

        public JsonNode? Evaluate(JsonObject scope)
        {
            var value = Path.Evaluate(scope);
            return Equal is not { } equal ? value : JsonValue.Create(JsonNode.DeepEquals(Normalize(value), Normalize(Literal)) == equal);
        }

        // 1 and 1.0 compare equal; so do numbers read from YAML and from a tool's JSON.
        private static JsonNode? Normalize(JsonNode? node) =>
            node is JsonValue v && v.TryGetValue<double>(out var d) ? JsonValue.Create(d) : node;

        private static bool TryReadLiteral(ref Reader reader, out JsonNode? literal, [NotNullWhen(false)] out string? error)
        {
            literal = null;
            error = null;
            if (reader.Peek is '\'' or '"')
            {
                char quote = reader.Next();
                var value = new StringBuilder();
                while (!reader.AtEnd && reader.Peek != quote)
                {
                    value.Append(reader.Next());
                }

                if (reader.AtEnd)
                {
                    error = "a string literal has no closing quote";
                    return false;
                }

                reader.Next();
                literal = JsonValue.Create(value.ToString());
                return true;
            }

            string word = reader.TakeWhile(c => !char.IsWhiteSpace(c));
            switch (word)
            {
                case "true" or "false":
                    literal = JsonValue.Create(word == "true");
                    return true;
                case "null":
                    return true;
            }

            if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                literal = JsonValue.Create(number);
                return true;
            }

            error = $"'{word}' is not a literal: compare with a number, 'text', true, false or null";
            return false;
        }
    }
}

/// <summary>A path: a root (<c>inputs</c>, <c>steps</c>, <c>item</c>, <c>index</c>) then fields and indexes.</summary>
/// <param name="Root">The first name.</param>
/// <param name="Segments">Field names (string) and list indexes (int).</param>
public sealed record ExpressionPath(string Root, IReadOnlyList<object> Segments)
{
    /// <summary>The roots an expression may start from.</summary>
    public static IReadOnlyList<string> Roots { get; } = ["inputs", "steps", "item", "index"];

    internal static bool TryRead(ref Reader reader, [NotNullWhen(true)] out ExpressionPath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        string root = reader.TakeWhile(IsNameChar);
        if (!Roots.Contains(root))
        {
            error = root.Length == 0 ? $"expected a name at '{reader.Rest}'" : $"'{root}' is not known: an expression starts with {string.Join(", ", Roots)}";
            return false;
        }

        var segments = new List<object>();
        while (!reader.AtEnd && reader.Peek is '.' or '[')
        {
            if (reader.Next() == '.')
            {
                string field = reader.TakeWhile(IsNameChar);
                if (field.Length == 0)
                {
                    error = $"expected a field name after '.' at '{reader.Rest}'";
                    return false;
                }

                segments.Add(field);
            }
            else
            {
                string digits = reader.TakeWhile(char.IsAsciiDigit);
                if (digits.Length == 0 || !reader.Take("]") || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    error = "an index is a number in brackets, e.g. [0]";
                    return false;
                }

                segments.Add(index);
            }
        }

        (path, error) = (new ExpressionPath(root, segments), null);
        return true;
    }

    /// <summary>Walks the path; null where a field or index is missing.</summary>
    public JsonNode? Evaluate(JsonObject scope)
    {
        JsonNode? node = scope[Root];
        foreach (var segment in Segments)
        {
            node = (segment, node) switch
            {
                (string field, JsonObject o) => o[field],
                (int index, JsonArray a) when index < a.Count => a[index],
                _ => null,
            };
        }

        return node;
    }

    /// <inheritdoc />
    public override string ToString() => Root + string.Concat(Segments.Select(s => s is int i ? $"[{i}]" : "." + s));

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';
}

/// <summary>A cursor over an expression's text.</summary>
internal ref struct Reader(string text)
{
    private int _at;

    public readonly bool AtEnd => _at >= text.Length;

    public readonly char Peek => text[_at];

    public readonly string Rest => text[_at..];

    public char Next() => text[_at++];

    public bool Take(string expected)
    {
        if (string.CompareOrdinal(text, _at, expected, 0, expected.Length) != 0)
        {
            return false;
        }

        _at += expected.Length;
        return true;
    }

    public string TakeWhile(Func<char, bool> accept)
    {
        int start = _at;
        while (_at < text.Length && accept(text[_at]))
        {
            _at++;
        }

        return text[start.._at];
    }

    public void SkipSpaces() => TakeWhile(char.IsWhiteSpace);
}
