using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// What the stdio pool tests share: the published gateway fronting <c>switchboard mcp everything --stdio</c> as server
/// <c>pooled</c>, in a folder of its own with an administrator key, and a marker in every upstream process's command
/// line (a configuration flag it ignores) so that <c>/proc</c> shows which processes are ours.
/// </summary>
internal sealed class PooledEverythingGateway : IDisposable
{
    /// <summary>A tool of the pooled server.</summary>
    public const string Tool = "pooled__test_simple_text";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <param name="prefix">The name of the temporary folder, before its random part.</param>
    public PooledEverythingGateway(string prefix) => WorkingDirectory = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder of the gateway's data and the upstream processes' working directory.</summary>
    public string WorkingDirectory { get; }

    /// <summary>The gateway's bootstrap administrator key.</summary>
    public string AdminKey { get; } = ApiKeyFormat.Generate().Key;

    /// <summary>The flag in every upstream process's command line.</summary>
    public string Marker { get; } = $"--Test:Marker={Guid.NewGuid():N}";

    /// <summary>Starts the gateway with more configuration <paramref name="flags"/>, which override the pooled server's.</summary>
    public Task<GatewayProcess> StartAsync(params string[] flags)
    {
        string directory = Directory.CreateDirectory(Path.Combine(WorkingDirectory, "gateway")).FullName;
        return GatewayProcess.StartAsync(
            [
                $"--Identity:BootstrapAdminKey={AdminKey}",
                $"--Storage:DataDirectory={directory}",
                $"--Servers:pooled:Command={GatewayProcess.Executable}",
                "--Servers:pooled:Args:0=mcp",
                "--Servers:pooled:Args:1=everything",
                "--Servers:pooled:Args:2=--stdio",
                $"--Servers:pooled:Args:3={Marker}",
                $"--Servers:pooled:WorkingDirectory={WorkingDirectory}",
                .. flags,
            ],
            directory,
            Timeout);
    }

    /// <summary>
    /// The processes whose command line names <see cref="Marker"/>, the gateway's own excepted (its configuration
    /// flags name it too): the upstream processes and their guards, each with its command line.
    /// </summary>
    public List<(int Pid, string CommandLine)> Processes()
    {
        var found = new List<(int, string)>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }

            try
            {
                string commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(Marker, StringComparison.Ordinal) && !commandLine.Contains(" serve ", StringComparison.Ordinal))
                {
                    found.Add((pid, commandLine));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // it exited while we looked
            }
        }

        return found;
    }

    /// <summary>Whether a process's command line is a stdio guard's, not an upstream's.</summary>
    public static bool IsGuard(string commandLine) => commandLine.Contains(" stdio-guard ", StringComparison.Ordinal);

    public void Dispose() => Directory.Delete(WorkingDirectory, recursive: true);
}
