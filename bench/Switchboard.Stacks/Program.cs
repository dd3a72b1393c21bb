using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Where a gateway's CPU went, from a CPU-sampling trace (bench/profile.sh). `dotnet-trace report` has no exclusive
// view of collect-linux traces and no way to group frames, hence this. Every share is of all samples in the trace.
//   Switchboard.Stacks TRACE components           samples by the component that spent them (see Components)
//   Switchboard.Stacks TRACE inclusive [N]        frames by samples in which they are anywhere on the stack
//   Switchboard.Stacks TRACE exclusive [N]        frames by samples in which they are the leaf
//   Switchboard.Stacks TRACE callers TEXT [N] [D] the D frames above the first frame containing TEXT
//   Switchboard.Stacks TRACE callees TEXT [N]     the frame each frame containing TEXT was running
//   Switchboard.Stacks TRACE gc                   each collection's pause, and what it marked (a gc-verbose trace)
// In a trace of allocation ticks (gc-verbose, or the runtime provider at keyword 0x1, level 5), each tick weighs the
// bytes it stands for, so the shares are of bytes allocated: a tick fires per ~100 KB, once for a 30 MB array too.
if (args.Length == 2 && args[1] == "gc")
{
    GcPauses.Print(args[0]);
    return 0;
}

if (args.Length < 2 || (args[1] is "callers" or "callees" && args.Length < 3))
{
    Console.Error.WriteLine("usage: Switchboard.Stacks TRACE (components | inclusive [N] | exclusive [N] | callers TEXT [N] [DEPTH] | callees TEXT [N] | gc)");
    return 2;
}

string mode = args[1];
string? text = mode is "callers" or "callees" ? args[2] : null;
int top = int.TryParse(args.ElementAtOrDefault(text is null ? 2 : 3), out int n) ? n : 40;
int depth = int.TryParse(args.ElementAtOrDefault(4), out int d) ? d : 3;

// An .etlx made by another TraceEvent version does not load: always convert from the trace itself.
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0], Path.Combine(Path.GetTempPath(), $"stacks-{Environment.ProcessId}.etlx")));
var counts = new Dictionary<string, long>(StringComparer.Ordinal);
long total = 0, weight = 0;
foreach (var sample in log.Events)
{
    if (sample.CallStack() is not { } stack)
    {
        continue;
    }

    weight = sample is GCAllocationTickTraceData tick ? tick.AllocationAmount64 : 1;
    total += weight;
    var frames = new List<string>(); // leaf first
    for (var frame = stack; frame is not null; frame = frame.Caller)
    {
        frames.Add($"{frame.CodeAddress.ModuleName}!{frame.CodeAddress.FullMethodName}");
    }

    switch (mode)
    {
        case "components":
            Count(Components.Of(frames));
            break;
        case "inclusive":
            foreach (var frame in frames.Distinct())
            {
                Count(frame);
            }

            break;
        case "exclusive":
            Count(frames[0]);
            break;
        default:
            int at = frames.FindIndex(f => f.Contains(text!, StringComparison.Ordinal));
            if (at >= 0)
            {
                Count(mode == "callers" ? string.Join(" <- ", frames.Skip(at + 1).Take(depth)) : at > 0 ? frames[at - 1] : "(self)");
            }

            break;
    }
}

Console.WriteLine($"{total} samples");
foreach (var (frame, count) in counts.OrderByDescending(c => c.Value).Take(top))
{
    Console.WriteLine($"{100.0 * count / total,6:F2}%  {frame}");
}

File.Delete(log.FilePath);
return 0;

void Count(string key) => counts[key] = counts.GetValueOrDefault(key) + weight;

/// <summary>Names the part of the gateway a sample's CPU went to.</summary>
internal static class Components
{
    // Tried leaf first: the innermost frame of a named part takes the sample, so the SDK's frames around our filters
    // and tools do not take theirs. Framework frames (corelib, System.Text.Json, collections) name no part: their
    // samples go to the caller that used them.
    private static readonly (string Name, string Module)[] Parts =
    [
        ("tools", "switchboard.servers."),
        ("telemetry (OpenTelemetry)", "opentelemetry"),
        ("logging", "microsoft.extensions.logging"),
        ("access path (policy, limits, audit append)", "switchboard.access!"),
        ("access path (policy, limits, audit append)", "switchboard.policy!"),
        ("access path (policy, limits, audit append)", "switchboard.storage!"),
        ("gateway MCP filters", "switchboard.workflows!"),
        ("gateway MCP filters", "switchboard.gateway!Switchboard.Gateway.Access."),
        ("gateway MCP filters", "switchboard.gateway!Switchboard.Gateway.Hosting."),
        ("MCP SDK", "modelcontextprotocol"),
        ("gateway HTTP edge (middlewares, API keys, fast path)", "switchboard.gateway!"),
        ("ASP.NET Core authentication and authorization", "microsoft.aspnetcore.authentication"),
        ("ASP.NET Core authentication and authorization", "microsoft.aspnetcore.authorization"),
        ("ASP.NET Core routing, diagnostics, hosting", "microsoft.aspnetcore.routing"),
        ("ASP.NET Core routing, diagnostics, hosting", "microsoft.aspnetcore.diagnostics"),
        ("ASP.NET Core routing, diagnostics, hosting", "microsoft.aspnetcore.hosting"),
        ("Kestrel and sockets", "microsoft.aspnetcore.server.kestrel"),
        ("Kestrel and sockets", "system.net.sockets"),
    ];

    public static string Of(List<string> frames)
    {
        // The group-commit writer is a thread of its own: all of it is the audit's durable write.
        if (frames.Exists(f => f.Contains("GroupCommitAuditStore::Write", StringComparison.Ordinal)))
        {
            return "audit writer thread (SQLite or PostgreSQL commit)";
        }

        foreach (var frame in frames)
        {
            foreach (var (name, module) in Parts)
            {
                if (frame.StartsWith(module, StringComparison.OrdinalIgnoreCase))
                {
                    return name;
                }
            }
        }

        // No managed frame of ours or the framework's: the GC, the JIT, the runtime's and the kernel's own threads.
        return frames.Exists(f => f.Contains("!System.", StringComparison.Ordinal) || f.Contains("!Microsoft.", StringComparison.Ordinal))
            ? "thread pool and other framework code"
            : "runtime (GC, JIT) and kernel";
    }
}
