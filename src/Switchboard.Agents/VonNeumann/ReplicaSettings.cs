using System.Text.Json.Nodes;

namespace Switchboard.Agents.VonNeumann;

/// <summary>
/// A Von Neumann agent's <c>replicate</c> settings (docs/agents.md): at most <see cref="Width"/> copies started by one
/// run, at most <see cref="Depth"/> levels of copies below the first run, at most <see cref="MaxCopies"/> runs in the
/// whole tree (the first one included), and a run with more than <see cref="PartSize"/> items splits them when those
/// bounds leave room.
/// </summary>
public sealed record ReplicaSettings(int Width, int Depth, int MaxCopies, int PartSize)
{
    /// <summary>The settings a <c>replicate: {}</c> gets.</summary>
    public static ReplicaSettings Default { get; } = new(4, 2, 21, 50);

    /// <summary>Reads the JSON the workflow parser made of <c>replicate</c> (already checked there).</summary>
    public static ReplicaSettings FromJson(JsonObject? replicate) => replicate is null ? Default : new(
        replicate["width"]?.GetValue<int>() ?? Default.Width,
        replicate["depth"]?.GetValue<int>() ?? Default.Depth,
        replicate["maxCopies"]?.GetValue<int>() ?? Default.MaxCopies,
        replicate["partSize"]?.GetValue<int>() ?? Default.PartSize);

    /// <summary>
    /// How many copies a run at <paramref name="depth"/> with <paramref name="items"/> items and room for
    /// <paramref name="copies"/> runs (itself included) starts: fewer than two means it does the work itself.
    /// </summary>
    public int PartsFor(int items, int depth, int copies)
    {
        if (depth >= Depth || items <= PartSize)
        {
            return 0;
        }

        int wanted = (int)Math.Min(((long)items + PartSize - 1) / PartSize, Width);
        int parts = Math.Min(wanted, copies - 1);
        return parts >= 2 ? parts : 0;
    }
}
