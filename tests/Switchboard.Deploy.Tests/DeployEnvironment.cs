using System.Globalization;
using System.Runtime.Versioning;

// Containers, HAProxy, signals and PostgreSQL run as its user: these suites are Linux-only, as the images are.
[assembly: SupportedOSPlatform("linux")]

namespace Switchboard.Deploy.Tests;

/// <summary>
/// Every test here runs alone: each starts PostgreSQL, Redis, replicas, HAProxy or containers, and a second fleet on
/// the same two cores would turn load into false health-check failures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneAtATime
{
    public const string Name = "deployment, one at a time";
}

/// <summary>
/// What <c>scripts/test-deploy.sh</c> built for these tests, passed in the environment. A missing piece fails the test
/// with the instruction, except podman itself: where it cannot run containers at all, the image tests skip, saying why.
/// </summary>
internal static class DeployEnvironment
{
    /// <summary>The published <c>switchboard</c> of this tree (<c>dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard</c>).</summary>
    public static string Published => Directory("SWITCHBOARD_DEPLOY_PUBLISHED");

    /// <summary>The same tree published with one more, test-only, additive migration: "the next release".</summary>
    public static string NextRelease => Directory("SWITCHBOARD_DEPLOY_NEXT");

    /// <summary>The image built from <c>deploy/docker/Dockerfile</c>.</summary>
    public static string Image => Require("SWITCHBOARD_DEPLOY_IMAGE");

    /// <summary>The image's <c>pgtools</c> target: the same application with <c>pg_dump</c> and <c>pg_restore</c>.</summary>
    public static string PgToolsImage => Require("SWITCHBOARD_DEPLOY_PGTOOLS_IMAGE");

    /// <summary>Why podman cannot run containers here, when it cannot; null when it can.</summary>
    public static string? PodmanUnavailable => Get("SWITCHBOARD_DEPLOY_PODMAN_UNAVAILABLE");

    /// <summary><c>tests/interop</c> with its packages installed (Node 22, the conformance suite, auth-proxy.mjs).</summary>
    public static string Interop => Directory("SWITCHBOARD_DEPLOY_INTEROP");

    /// <summary>The HAProxy executable (Debian package <c>haproxy</c>).</summary>
    public static string Haproxy => Get("SWITCHBOARD_DEPLOY_HAPROXY") ?? "/usr/sbin/haproxy";

    /// <summary>The <c>switchboard</c> executable in a published directory.</summary>
    public static string Executable(string published) => Path.Combine(published, "switchboard");

    /// <summary>Records a measured number for the summary <c>scripts/test-deploy.sh</c> prints at the end.</summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Get("SWITCHBOARD_DEPLOY_REPORT") is { } file)
        {
            File.AppendAllText(file, string.Create(CultureInfo.InvariantCulture, $"{TestContext.Current.Test?.TestDisplayName}: {line}{Environment.NewLine}"));
        }
    }

    private static string Directory(string name)
    {
        string path = Require(name);
        return System.IO.Directory.Exists(path) ? path : throw new InvalidOperationException($"{name} names {path}, which does not exist. Run scripts/test-deploy.sh.");
    }

    private static string Require(string name) =>
        Get(name) ?? throw new InvalidOperationException($"{name} is not set. These tests drive what scripts/test-deploy.sh builds: run that script.");

    private static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
