using System.Diagnostics;

namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// The parent-death guard of stdio upstreams: <c>switchboard stdio-guard PID COMMAND [ARGS…]</c> runs COMMAND with
/// the guard's own stdin, stdout and stderr (the gateway's pipes), waits for it, and kills it with its whole process
/// tree as soon as the gateway (PID) is gone, even when the gateway died by SIGKILL.
/// </summary>
/// <remarks>
/// Why a guard process, and why this one:
/// <list type="bullet">
/// <item>Nothing in a process killed by SIGKILL runs, so the watcher must be another process.</item>
/// <item><c>PR_SET_PDEATHSIG</c> is not reachable: .NET forks and execs in native code with no hook between, and the
/// signal fires when the forking <em>thread</em> ends (thread-pool threads retire), not the process.</item>
/// <item>A shell (<c>setsid</c> plus a watch loop) is not there: the container image is chiseled, without a shell.</item>
/// <item>The guard is the same <c>switchboard</c> executable, so it ships wherever the gateway does. It notices the
/// death by its parent changing (it is re-parented to init or a subreaper): no pid that could be reused is compared
/// against anything but its own parent. It costs one small process per upstream process, and at most 250 ms plus
/// <see cref="GracePeriod"/> before the upstream is gone.</item>
/// <item>Most upstreams also end by themselves on end of input, which the gateway's death causes; the guard is for
/// those that do not, and for their children.</item>
/// </list>
/// </remarks>
public static class StdioGuard
{
    /// <summary>The hidden subcommand.</summary>
    public const string Command = "stdio-guard";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(2);
    private static volatile bool s_hostRunsGuard;

    /// <summary>
    /// Whether this process can start the guard: it is the <c>switchboard</c> executable (its entry point called
    /// <see cref="RunIfRequested"/>) on Linux. An in-process test host is not, and starts upstreams unguarded.
    /// </summary>
    internal static bool IsAvailable =>
        s_hostRunsGuard && OperatingSystem.IsLinux()
        // Started as 'dotnet switchboard.dll' the process is dotnet, which has no such command.
        && Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) != "dotnet";

    /// <summary>
    /// Called first by the executable's entry point: runs the guard when <paramref name="args"/> asks for it, and
    /// records that this executable can run it.
    /// </summary>
    /// <returns>The guard's exit code, or null when the arguments are for another command.</returns>
    public static int? RunIfRequested(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        s_hostRunsGuard = true;
        return args is [Command, ..] ? Run(args[1..]) : null;
    }

    /// <summary>The command line that starts <paramref name="command"/> under the guard of this process.</summary>
    internal static (string Command, List<string> Args) Wrap(string command, IEnumerable<string> args) =>
        (Environment.ProcessPath!, [Command, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), command, .. args]);

    private static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[0], out int parent) || !OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine($"usage (Linux): switchboard {Command} PARENT-PID COMMAND [ARGS...]");
            return 2;
        }

        if (ParentId() != parent)
        {
            return 1; // the gateway is already gone: start nothing
        }

        // Not redirected: the child inherits the guard's stdin, stdout and stderr, which are the gateway's pipes.
        var start = new ProcessStartInfo(args[1]) { UseShellExecute = false };
        foreach (string arg in args.AsSpan(2))
        {
            start.ArgumentList.Add(arg);
        }

        Process child;
        try
        {
            child = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Lands in the stderr tail that the gateway logs.
            Console.Error.WriteLine($"{Command}: cannot start '{args[1]}': {e.Message}");
            return 127;
        }

        using (child)
        {
            while (!child.WaitForExit(PollInterval))
            {
                if (ParentId() != parent)
                {
                    // The gateway is gone; its end of our stdin closed with it. Give the upstream a moment to finish on
                    // that end of input, then end its tree.
                    if (!child.WaitForExit(GracePeriod))
                    {
                        child.Kill(entireProcessTree: true);
                    }

                    return 137;
                }
            }

            return child.ExitCode;
        }
    }

    // The fourth field of /proc/self/stat; the second (the command name) may hold spaces and parentheses, so count
    // from the last ')'.
    private static int ParentId()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
