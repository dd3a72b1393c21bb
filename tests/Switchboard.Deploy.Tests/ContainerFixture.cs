using System.Globalization;
using System.Net;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// The image run as docs/deploy.md says to run it, and stricter: read-only root filesystem, an arbitrary non-root uid
/// (10001, not the image's own 1654), a named volume for <c>/data</c>, published on loopback only. The built-in
/// <c>everything</c> test server is mounted for the conformance suite. Removed (with its volume) at the end.
/// </summary>
public sealed class ContainerFixture : IAsyncLifetime
{
    private readonly string _name = $"switchboard-test-{Guid.NewGuid():N}"[..32];

    public string Name => _name;

    public string AdminKey { get; } = Podman.NewAdminKey();

    public int Port { get; } = LoopbackPort.Next();

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool Started { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (DeployEnvironment.PodmanUnavailable is not null)
        {
            return;
        }

        await Podman.RunAsync("volume", "create", _name);
        await Podman.RunAsync(
            "run", "--detach", "--name", _name,
            "--read-only", "--user", "10001",
            "--publish", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}:8080"),
            "--volume", $"{_name}:/data",
            "--env", $"SWITCHBOARD__Identity__BootstrapAdminKey={AdminKey}",
            "--env", "SWITCHBOARD__Servers__everything__Enabled=true",
            DeployEnvironment.Image);
        Started = true;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(BaseAddress, "/healthz/ready"));
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    var state = await Podman.RunAsync("inspect", "--format", "{{.State.Status}}", _name);
                    return state.Trim() == "running" ? false : throw new InvalidOperationException($"The container stopped ({state.Trim()}):{Environment.NewLine}{await LogsAsync()}");
                }
            },
            TimeSpan.FromSeconds(120),
            "The container was not ready");
    }

    /// <summary>The container's output so far.</summary>
    public async Task<string> LogsAsync()
    {
        var logs = await Podman.TryAsync("logs", _name);
        return logs.Output;
    }

    public async ValueTask DisposeAsync()
    {
        if (Started)
        {
            await Podman.TryAsync("rm", "--force", "--time", "0", _name);
            await Podman.TryAsync("volume", "rm", "--force", _name);
        }
    }
}
