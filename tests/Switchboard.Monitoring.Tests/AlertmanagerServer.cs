using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>
/// Debian's Alertmanager on a loopback port (clustering off) running the shipped <c>alertmanager.yml</c>: its routes,
/// receivers and inhibitions as they are, with three test-only changes in a copy: notifications are grouped for 1 s
/// instead of minutes, the secret files (the PagerDuty routing key, the Slack webhook URL) are the test's own, and
/// PagerDuty's Events API URL is the local <see cref="WebhookReceiver"/>.
/// </summary>
internal sealed partial class AlertmanagerServer : IAsyncDisposable
{
    private const string PagerDutyEventsApi = "https://events.pagerduty.com/v2/enqueue";
    private const string SecretsFolder = "/etc/alertmanager/secrets/";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly BackgroundProcess _process;
    private readonly string _directory;

    private AlertmanagerServer(BackgroundProcess process, string directory, int port) => (_process, _directory, Port) = (process, directory, port);

    public int Port { get; }

    /// <summary>The routing key the test put in the PagerDuty secret file; PagerDuty events must carry it.</summary>
    public static string PagerDutyRoutingKey { get; } = "test-routing-key-" + Guid.NewGuid().ToString("N");

    public string Output => _process.Output;

    /// <summary>Reserves a port, so that Prometheus can be configured before Alertmanager starts.</summary>
    public static int NextPort() => LoopbackPort.Next();

    public static async Task<AlertmanagerServer> StartAsync(int port, WebhookReceiver receiver, CancellationToken cancellationToken)
    {
        string directory = Directory.CreateTempSubdirectory("switchboard-alertmanager-").FullName;
        string secrets = Path.Combine(directory, "secrets") + "/";
        Directory.CreateDirectory(secrets);
        await File.WriteAllTextAsync(Path.Combine(secrets, "pagerduty-routing-key"), PagerDutyRoutingKey, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(secrets, "slack-webhook-url"), $"{receiver.Url}slack", cancellationToken);

        string shipped = await File.ReadAllTextAsync(MonitoringEnvironment.AlertmanagerConfig, cancellationToken);
        if (!shipped.Contains(PagerDutyEventsApi, StringComparison.Ordinal) || !shipped.Contains(SecretsFolder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"alertmanager.yml no longer names {PagerDutyEventsApi} and {SecretsFolder}: update this test's overrides.");
        }

        string config = Path.Combine(directory, "alertmanager.yml");
        string withTestTiming = GroupTiming().Replace(shipped, "${key}: 1s");
        await File.WriteAllTextAsync(
            config,
            withTestTiming.Replace(PagerDutyEventsApi, $"{receiver.Url}pagerduty", StringComparison.Ordinal).Replace(SecretsFolder, secrets, StringComparison.Ordinal),
            cancellationToken);

        var process = new BackgroundProcess("alertmanager", MonitoringEnvironment.Alertmanager,
        [
            $"--config.file={config}",
            $"--storage.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            // No gossip: a single instance, and nothing listening beyond loopback.
            "--cluster.listen-address=",
        ], directory);
        var alertmanager = new AlertmanagerServer(process, directory, port);
        try
        {
            await process.WaitUntilAsync(alertmanager.IsReadyAsync, TimeSpan.FromSeconds(60));
            return alertmanager;
        }
        catch
        {
            await alertmanager.DisposeAsync();
            throw;
        }
    }

    /// <summary>The names of the alerts Alertmanager holds back because another alert inhibits them.</summary>
    public async Task<IReadOnlyList<string>> InhibitedAlertsAsync(CancellationToken cancellationToken)
    {
        using var document = (await Http.GetFromJsonAsync<JsonDocument>(new Uri($"http://127.0.0.1:{Port}/api/v2/alerts"), cancellationToken))!;
        return [.. document.RootElement.EnumerateArray()
            .Where(a => a.GetProperty("status").GetProperty("inhibitedBy").GetArrayLength() > 0)
            .Select(a => a.GetProperty("labels").GetProperty("alertname").GetString()!)
            .Distinct()];
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Port}/-/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"(?<key>group_wait|group_interval):[ \t]*\S+")]
    private static partial Regex GroupTiming();
}
