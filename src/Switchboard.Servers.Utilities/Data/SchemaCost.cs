using System.Text.Json;
using Json.Schema;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>
/// An upper estimate of how many subschema evaluations validating an instance takes, computed on the built schema
/// before it runs. The schema library cannot be cancelled, so a schema whose $refs expand exponentially (each level
/// referring twice to the one below) must be refused up front: evaluating it would never finish.
/// </summary>
internal static class SchemaCost
{
    // Keywords that apply their subschemas to the value's items, properties or property names, one level down.
    private static readonly HashSet<string> ChildKeywords =
    [
        "items", "prefixItems", "additionalItems", "contains", "unevaluatedItems",
        "properties", "patternProperties", "additionalProperties", "propertyNames", "unevaluatedProperties",
    ];

    /// <summary>The estimate for <paramref name="schema"/> against <paramref name="instance"/>, at most <paramref name="cap"/> + 1.</summary>
    /// <remarks>
    /// A subschema reached through k child keywords applies at most once to each value k levels down, so the work is
    /// at most the sum over k of (subschemas reached at depth k, $refs expanded) × (values at depth k).
    /// </remarks>
    public static double Estimate(JsonSchema schema, JsonElement instance, double cap)
    {
        if (schema.Root is not { } root)
        {
            return 1; // true or false
        }

        var valuesAtDepth = new List<double>();
        CountValues(instance, 0, valuesAtDepth);
        double[] reached = Reached(root, valuesAtDepth.Count, cap);
        double total = 0;
        for (int depth = 0; depth < valuesAtDepth.Count; depth++)
        {
            total += reached[depth] * valuesAtDepth[depth];
        }

        return System.Math.Min(total, cap + 1);
    }

    // Post-order over the schema graph with an explicit stack: a $ref chain can be longer than the call stack is deep.
    private static double[] Reached(JsonSchemaNode root, int depths, double cap)
    {
        var known = new Dictionary<JsonSchemaNode, double[]>(ReferenceEqualityComparer.Instance);
        var open = new HashSet<JsonSchemaNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<JsonSchemaNode>();
        stack.Push(root);
        while (stack.TryPeek(out var node))
        {
            if (known.ContainsKey(node))
            {
                stack.Pop();
                continue;
            }

            if (open.Add(node))
            {
                foreach (var subschema in Applied(node).SelectMany(keyword => keyword.Subschemas))
                {
                    // A subschema already open is a recursive $ref; each lap descends into the instance, which bounds it.
                    if (!known.ContainsKey(subschema) && !open.Contains(subschema))
                    {
                        stack.Push(subschema);
                    }
                }

                continue;
            }

            var counts = new double[depths];
            counts[0] = 1;
            foreach (var keyword in Applied(node))
            {
                int down = ChildKeywords.Contains(keyword.Handler.Name) ? 1 : 0;
                foreach (var subschema in keyword.Subschemas)
                {
                    double[]? below = known.GetValueOrDefault(subschema);
                    for (int depth = 0; depth + down < depths; depth++)
                    {
                        counts[depth + down] = System.Math.Min(counts[depth + down] + (below?[depth] ?? (depth == 0 ? 1 : 0)), cap + 1);
                    }
                }
            }

            known[node] = counts;
            open.Remove(node);
            stack.Pop();
        }

        return known[root];
    }

    // $defs and definitions only hold subschemas for $ref; they are not applied where they stand.
    private static IEnumerable<KeywordData> Applied(JsonSchemaNode node) =>
        node.Keywords.Where(keyword => keyword.Handler.Name is not ("$defs" or "definitions"));

    private static void CountValues(JsonElement value, int depth, List<double> valuesAtDepth)
    {
        if (valuesAtDepth.Count == depth)
        {
            valuesAtDepth.Add(0);
        }

        valuesAtDepth[depth]++;
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                CountValues(item, depth + 1, valuesAtDepth);
            }
        }
        else if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                CountValues(property.Value, depth + 1, valuesAtDepth);
            }
        }
    }
}
