using System.Text.Json.Nodes;

namespace Switchboard.Agents.VonNeumann;

/// <summary>
/// What a Von Neumann agent works on, read from its input: a list (a JSON array, or an object with an <c>items</c> or
/// a <c>documents</c> list) or a range of integers (<c>{"range": {"from": 1, "to": 1000}}</c>, both ends included).
/// An object's other fields are context every copy receives with its part.
/// </summary>
public abstract record WorkItems
{
    /// <summary>How many items.</summary>
    public abstract int Count { get; }

    /// <summary>The part as a copy receives it (and as the result shows it): the same form as the input.</summary>
    public abstract JsonNode ToJson();

    /// <summary>Consecutive parts of sizes as even as can be (they differ by one at most), each with the offset of its first item.</summary>
    public IReadOnlyList<(int Offset, WorkItems Part)> Split(int parts)
    {
        var split = new List<(int, WorkItems)>(parts);
        int offset = 0;
        for (int i = 0; i < parts; i++)
        {
            int size = (Count / parts) + (i < Count % parts ? 1 : 0);
            split.Add((offset, Slice(offset, size)));
            offset += size;
        }

        return split;
    }

    /// <summary>The items from <paramref name="offset"/>, <paramref name="count"/> of them.</summary>
    protected abstract WorkItems Slice(int offset, int count);

    /// <summary>Reads an input; null with <paramref name="error"/> when it is none of the forms.</summary>
    public static WorkItems? Parse(JsonNode? input, out string? error)
    {
        error = null;
        switch (input)
        {
            case JsonArray list:
                return new ItemList(list, null, null);
            case JsonObject map when map["range"] is JsonObject range:
                if (range["from"] is JsonValue from && from.TryGetValue(out long first) && range["to"] is JsonValue to && to.TryGetValue(out long last)
                    && last >= first && last - first < int.MaxValue)
                {
                    return new IntegerRange(first, last, Context(map, "range"));
                }

                error = "'range' is {\"from\": <integer>, \"to\": <integer>}, both ends included, 'to' not below 'from'";
                return null;
            case JsonObject map when map["items"] is JsonArray items:
                return new ItemList(items, "items", Context(map, "items"));
            case JsonObject map when map["documents"] is JsonArray documents:
                return new ItemList(documents, "documents", Context(map, "documents"));
            default:
                error = "a replicating agent's input is a list to split: a JSON array, {\"items\": [...]}, {\"documents\": [...]} or {\"range\": {\"from\": 1, \"to\": 1000}}";
                return null;
        }
    }

    private static JsonObject? Context(JsonObject map, string field)
    {
        var context = new JsonObject();
        foreach (var (key, value) in map.Where(p => p.Key != field))
        {
            context[key] = value?.DeepClone();
        }

        return context.Count == 0 ? null : context;
    }

    private sealed record ItemList(JsonArray Items, string? Field, JsonObject? Shared) : WorkItems
    {
        public override int Count => Items.Count;

        public override JsonNode ToJson()
        {
            var items = new JsonArray([.. Items.Select(i => i?.DeepClone())]);
            if (Field is null)
            {
                return items;
            }

            var part = (JsonObject?)Shared?.DeepClone() ?? [];
            part[Field] = items;
            return part;
        }

        protected override WorkItems Slice(int offset, int count) =>
            this with { Items = new JsonArray([.. Items.Skip(offset).Take(count).Select(i => i?.DeepClone())]) };
    }

    private sealed record IntegerRange(long From, long To, JsonObject? Shared) : WorkItems
    {
        public override int Count => (int)(To - From + 1);

        public override JsonNode ToJson()
        {
            var part = (JsonObject?)Shared?.DeepClone() ?? [];
            part["range"] = new JsonObject { ["from"] = From, ["to"] = To };
            return part;
        }

        protected override WorkItems Slice(int offset, int count) => this with { From = From + offset, To = From + offset + count - 1 };
    }
}
