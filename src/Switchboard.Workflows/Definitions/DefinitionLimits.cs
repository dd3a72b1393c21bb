using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Switchboard.Workflows.Definitions;

/// <summary>
/// The bounds of a definition's YAML, checked on YamlDotNet's event stream before anything builds a tree of it.
/// YamlStream builds its nodes recursively, one call per nesting level (a list nested 20,000 deep overflows the stack,
/// which ends the process: no catch can stop it), and expands aliases without bound (a few hundred bytes of "billion
/// laughs" aliases become gigabytes). The event parser does neither. The same walk keeps the tree plain JSON: a mapping
/// key is text, and no key is given twice (<c>!!str a</c> is the key <c>a</c> again).
/// </summary>
public static class DefinitionLimits
{
    /// <summary>
    /// Deepest nesting of mappings and lists, the definition's own mapping being level 1. It leaves arguments, input
    /// defaults and output schemas room for about 60 levels, and keeps them within System.Text.Json's default depth (64)
    /// wherever they are read back.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Most values (mappings, lists, scalars) a definition expands to, counting an alias as what it refers to, each time it is used.</summary>
    public const int MaxValues = 100_000;

    /// <summary>Most characters of keys and scalars a definition expands to, counting aliases likewise (1 MiB).</summary>
    public const int MaxChars = 1024 * 1024;

    /// <summary>
    /// The first thing in <paramref name="source"/> that is not valid YAML or is over a bound; null when there is
    /// none. <paramref name="maxDepth"/> is less than <see cref="MaxDepth"/> for text that is nested into a definition.
    /// </summary>
    public static DefinitionError? Check(string source, int maxDepth = MaxDepth)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parser = new Parser(new StringReader(source));
        var open = new Stack<Collection>();
        var anchors = new Dictionary<string, Anchored>(StringComparer.Ordinal);
        long values = 0, chars = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                bool isKey = open.TryPeek(out var parent) && parent.Keys is not null && parent.ExpectKey;
                string? key = null;
                switch (current)
                {
                    case Scalar scalar:
                        (values, chars, key) = (values + 1, chars + scalar.Value.Length, scalar.Value);
                        Remember(scalar, new Anchored(1, scalar.Value.Length, scalar.Value));
                        break;
                    case AnchorAlias alias:
                        // An anchor is known once its node is complete: an alias inside the node would make a cycle.
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            return Error(alias, open.Any(c => c.Anchor == alias.Value.Value)
                                ? $"the alias '*{alias.Value.Value}' is inside the mapping or list it refers to"
                                : $"the alias '*{alias.Value.Value}' refers to no anchor before it");
                        }

                        (values, chars, key) = (values + target.Values, chars + target.Chars, target.Scalar);
                        if (isKey && target.Scalar is null)
                        {
                            return Error(alias, "a mapping key is text, not a mapping or list");
                        }

                        break;
                    case NodeEvent start and (MappingStart or SequenceStart):
                        if (isKey)
                        {
                            return Error(start, "a mapping key is text, not a mapping or list");
                        }

                        if (open.Count >= maxDepth)
                        {
                            return Error(start, $"the definition nests deeper than {maxDepth} levels of mappings and lists");
                        }

                        values++;
                        string? anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                        if (anchor is not null)
                        {
                            anchors.Remove(anchor); // a name anchored again refers to the new node from here on
                        }

                        open.Push(new Collection(anchor, values - 1, chars, start is MappingStart ? new HashSet<string>(StringComparer.Ordinal) : null));
                        continue; // its first entry is a key (in a mapping) or an item
                    case MappingEnd or SequenceEnd:
                        var done = open.Pop();
                        if (done.Anchor is not null)
                        {
                            anchors[done.Anchor] = new Anchored(values - done.Values, chars - done.Chars, null);
                        }

                        break;
                    default:
                        continue; // stream and document boundaries
                }

                if (open.TryPeek(out var within) && within.Keys is not null)
                {
                    // Keys are compared as JSON will hold them: as text, whatever their tag or quotes.
                    if (within.ExpectKey && !within.Keys.Add(key!))
                    {
                        return Error(current, $"'{key}' is given twice");
                    }

                    within.ExpectKey = !within.ExpectKey;
                }

                if (values > MaxValues)
                {
                    return Error(current, $"the definition expands to more than {MaxValues.ToString("N0", CultureInfo.InvariantCulture)} values (an alias counts as what it refers to, each time it is used)");
                }

                if (chars > MaxChars)
                {
                    return Error(current, $"the definition expands to more than {MaxChars.ToString("N0", CultureInfo.InvariantCulture)} characters of keys and values (an alias counts as what it refers to, each time it is used)");
                }
            }
        }
        catch (YamlException e)
        {
            return new DefinitionError(new SourcePosition((int)e.Start.Line, (int)e.Start.Column), $"not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some malformed flow collections.
            var at = parser.Current?.End;
            return new DefinitionError(new SourcePosition((int)(at?.Line ?? 1), (int)(at?.Column ?? 1)), "not valid YAML or JSON: check for an unclosed '[' or '{' or a misplaced ':'");
        }

        return null;

        void Remember(NodeEvent node, Anchored size)
        {
            if (!node.Anchor.IsEmpty)
            {
                anchors[node.Anchor.Value] = size;
            }
        }
    }

    private static DefinitionError Error(ParsingEvent at, string message) => new(new SourcePosition((int)at.Start.Line, (int)at.Start.Column), message);

    // A mapping or list being read: its anchor, the counts before it began, and, for a mapping, the keys seen so far
    // and whether its next entry is a key.
    private sealed record Collection(string? Anchor, long Values, long Chars, HashSet<string>? Keys)
    {
        public bool ExpectKey { get; set; } = true;
    }

    // What an alias to an anchor adds; the text of an anchored scalar, which may be used as a key.
    private sealed record Anchored(long Values, long Chars, string? Scalar);
}
