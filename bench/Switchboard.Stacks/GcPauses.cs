using Microsoft.Diagnostics.Tracing;

/// <summary>
/// Each collection in a trace taken with <c>dotnet-trace collect --profile gc-verbose</c>: how long the runtime was
/// paused, how much of that was suspending threads and how much the collector's own work, and what it marked through
/// which kind of root. A collection that marks little yet takes long is searching, not marking (issue 18: the open
/// loop over ~10,000 connections).
/// </summary>
internal static class GcPauses
{
    // The runtime's root kinds, in GCMarkWithType's numbering (gcinterface.h, GC_ROOT_KIND).
    private static readonly string[] RootKinds = ["stack", "finalize queue", "handles", "older generations", "sized refs", "overflow", "dependent handles", "new finalize queue", "steal", "background"];

    public static void Print(string trace)
    {
        using var source = new EventPipeEventSource(trace);
        double suspending = 0, suspended = 0, started = 0, stopped = 0;
        int number = 0, generation = 0;
        var marked = new Dictionary<int, long>();
        source.Clr.GCSuspendEEStart += e => suspending = e.TimeStampRelativeMSec;
        source.Clr.GCSuspendEEStop += e => suspended = e.TimeStampRelativeMSec;
        source.Clr.GCStart += e => (number, generation, started) = (e.Count, e.Depth, e.TimeStampRelativeMSec);
        source.Clr.GCStop += e => stopped = e.TimeStampRelativeMSec;
        source.Clr.GCMarkWithType += e => marked[e.Type] = marked.GetValueOrDefault(e.Type) + e.Promoted;
        source.Clr.GCRestartEEStop += e =>
        {
            // A background collection's own suspensions come without a GCStart of their own: only whole pauses count.
            if (suspending > 0 && started >= suspended)
            {
                var byKind = marked.Where(m => m.Value > 0).OrderByDescending(m => m.Value)
                    .Select(m => $"{(m.Key < RootKinds.Length ? RootKinds[m.Key] : $"kind {m.Key}")} {m.Value / 1024.0 / 1024.0:F1} MiB");
                Console.WriteLine($"gc {number} gen{generation}: pause {e.TimeStampRelativeMSec - suspending:F1} ms (suspending {suspended - suspending:F1}, collecting {stopped - started:F1}); marked: {string.Join(", ", byKind)}");
            }

            (suspending, marked) = (0, []);
        };
        source.Process();
    }
}
