using System.Security.Cryptography;
using System.Text.Json;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// The podman command line, with the settings these machines need (<c>CONTAINERS_CONF=scripts/containers.conf</c>:
/// runc, explicit ulimits), which <c>scripts/test-deploy.sh</c> exports.
/// </summary>
internal static class Podman
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Skips the calling test, saying why, when podman cannot run containers on this machine.</summary>
    public static void SkipIfUnavailable()
    {
        if (DeployEnvironment.PodmanUnavailable is { } reason)
        {
            Assert.Skip($"podman cannot run containers on this machine: {reason}");
        }
    }

    /// <summary>Runs <c>podman ARGS</c>; fails the test unless it exits 0; returns its standard output.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var result = await TryAsync(arguments);
        Assert.True(result.ExitCode == 0, $"podman {string.Join(' ', arguments)} exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
        return result.StandardOutput;
    }

    /// <summary>Runs <c>podman ARGS</c> and returns how it ended.</summary>
    public static Task<ProcessResult> TryAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("podman", arguments, Timeout, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary><c>podman inspect</c> of one object, as JSON.</summary>
    public static async Task<JsonElement> InspectAsync(string kind, string name)
    {
        using var document = JsonDocument.Parse(await RunAsync(kind, "inspect", name));
        return document.RootElement[0].Clone();
    }

    /// <summary>A fresh administrator key in Switchboard's format (<c>sbk_</c>, 12 and 43 letters or digits).</summary>
    public static string NewAdminKey()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return $"sbk_{RandomNumberGenerator.GetString(Alphabet, 12)}_{RandomNumberGenerator.GetString(Alphabet, 43)}";
    }
}
