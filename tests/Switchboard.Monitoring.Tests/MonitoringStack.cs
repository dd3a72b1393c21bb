using System.Diagnostics;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>What happened when the database was stopped and started again.</summary>
/// <param name="Trigger">PagerDuty's trigger event for the database alert.</param>
/// <param name="Resolve">PagerDuty's resolve event for it.</param>
/// <param name="Deliveries">Every notification Alertmanager sent during the outage and after.</param>
/// <param name="Inhibited">The alerts Alertmanager held back while the database alert fired.</param>
/// <param name="Firing">From the database stopping to the alert firing in Prometheus.</param>
/// <param name="Paged">From the database stopping to the PagerDuty trigger arriving.</param>
/// <param name="Resolved">From the database starting again to the alert leaving Prometheus.</param>
/// <param name="ResolvePaged">From the database starting again to the PagerDuty resolve arriving.</param>
internal sealed record Outage(Delivery Trigger, Delivery Resolve, IReadOnlyList<Delivery> Deliveries, IReadOnlyList<string> Inhibited, TimeSpan Firing, TimeSpan Paged, TimeSpan Resolved, TimeSpan ResolvePaged);

/// <summary>
/// The whole chain, started once for the tests of <see cref="MonitoringEndToEndTests"/>: a published gateway under
/// traffic, Prometheus scraping it with the shipped rules, Alertmanager with the shipped routing, and a webhook
/// receiver standing in for PagerDuty and Slack. The database outage runs once, whichever test asks first.
/// </summary>
public sealed class MonitoringStack : IAsyncLifetime
{
    public const string DatabaseAlert = "SwitchboardDatabaseUnavailable";

    /// <summary>A symptom of the database outage that the shipped inhibition rules hold back while it lasts.</summary>
    public const string AuditAlert = "SwitchboardAuditAppendFailing";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly SemaphoreSlim _outageOnce = new(1, 1);
    private Outage? _outage;
    private WebhookReceiver? _receiver;
    private MonitoredGateway? _gateway;
    private AlertmanagerServer? _alertmanager;
    private PrometheusServer? _prometheus;
    private Traffic? _traffic;

    internal MonitoredGateway Gateway => _gateway!;

    internal PrometheusServer Prometheus => _prometheus!;

    internal WebhookReceiver Receiver => _receiver!;

    internal Traffic Traffic => _traffic!;

    /// <summary>Every process's output, for failure messages.</summary>
    internal string Output => $"{_gateway?.Output}{Environment.NewLine}--- prometheus ---{Environment.NewLine}{_prometheus?.Output}{Environment.NewLine}--- alertmanager ---{Environment.NewLine}{_alertmanager?.Output}";

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _receiver = new WebhookReceiver();
        _gateway = await MonitoredGateway.StartAsync(cancellationToken);
        int alertmanagerPort = AlertmanagerServer.NextPort();
        _alertmanager = await AlertmanagerServer.StartAsync(alertmanagerPort, _receiver, cancellationToken);
        _prometheus = await PrometheusServer.StartAsync(_gateway.ManagementPort, alertmanagerPort, MonitoringEnvironment.CanaryAnalysis?.RevisionHash, cancellationToken);
        _traffic = new Traffic(_gateway.Endpoint,
        [
            new("agent calls a built-in tool", _gateway.AgentKey, "utilities__slugify"),
            new("agent calls the federated upstream", _gateway.AgentKey, "remote__slugify"),
            new("operator over its rate limit", _gateway.OperatorKey, "utilities__slugify"),
            new("viewer denied", _gateway.ViewerKey, "utilities__slugify"),
            new("wrong key", "sb_not-a-key", "utilities__slugify"),
            // Queued jobs for the queue gauges: run by the gateway's in-process worker a tenth of a second later.
            new("agent queues a task", _gateway.AgentKey, "everything__slow_compute", AsTask: true, Arguments: """{"seconds": 0.1}"""),
        ]);

        // Scraped, with tool calls counted, the database up and the upstream connected and called.
        await Poll.UntilAsync(
            async () => await _prometheus.HasDataAsync("switchboard_dependency_up{job=\"switchboard\", dependency=\"database\"} == 1", cancellationToken)
                && await _prometheus.HasDataAsync("switchboard_upstream_up{job=\"switchboard\", mcp_server=\"remote\"} == 1", cancellationToken)
                && await _prometheus.HasDataAsync("switchboard_tool_call_duration_seconds_count{job=\"switchboard\", mcp_server=\"remote\", outcome=\"ok\"}", cancellationToken),
            Timeout,
            $"Prometheus did not scrape an up database, a connected upstream and its tool calls from the gateway{Environment.NewLine}{Output}");
    }

    /// <summary>Stops the gateway's database under traffic until the alert pages, then starts it until the page resolves; once.</summary>
    internal async Task<Outage> RunOutageOnceAsync(CancellationToken cancellationToken)
    {
        await _outageOnce.WaitAsync(cancellationToken);
        try
        {
            return _outage ??= await RunOutageAsync(cancellationToken);
        }
        finally
        {
            _outageOnce.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_traffic is not null)
        {
            await _traffic.DisposeAsync();
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_alertmanager is not null)
        {
            await _alertmanager.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _receiver?.Dispose();
        _outageOnce.Dispose();
    }

    private async Task<Outage> RunOutageAsync(CancellationToken cancellationToken)
    {
        Assert.Empty(await Prometheus.AlertStatesAsync(DatabaseAlert, cancellationToken));
        var clock = Stopwatch.StartNew();
        await Gateway.Postgres.StopAsync(PostgresStopMode.Fast, cancellationToken);

        await Poll.UntilAsync(
            async () => (await Prometheus.AlertStatesAsync(DatabaseAlert, cancellationToken)).Contains("firing"),
            Timeout,
            $"{DatabaseAlert} did not fire after the database stopped{Environment.NewLine}{Output}");
        var firing = clock.Elapsed;
        Delivery? trigger = null;
        await Poll.UntilAsync(() => (trigger = PagerDutyEvent("trigger")) is not null, Timeout, $"Alertmanager did not page PagerDuty for {DatabaseAlert}{Environment.NewLine}{Output}");
        var paged = clock.Elapsed;
        IReadOnlyList<string> inhibited = [];
        await Poll.UntilAsync(
            async () => (inhibited = await _alertmanager!.InhibitedAlertsAsync(cancellationToken)).Contains(AuditAlert),
            Timeout,
            $"Alertmanager did not inhibit {AuditAlert} while {DatabaseAlert} fired{Environment.NewLine}{Output}");

        await Gateway.Postgres.StartAgainAsync(cancellationToken);
        var restarted = clock.Elapsed;
        await Poll.UntilAsync(
            async () => (await Prometheus.AlertStatesAsync(DatabaseAlert, cancellationToken)).Count == 0,
            Timeout,
            $"{DatabaseAlert} did not resolve after the database came back{Environment.NewLine}{Output}");
        var resolved = clock.Elapsed - restarted;
        Delivery? resolve = null;
        await Poll.UntilAsync(() => (resolve = PagerDutyEvent("resolve")) is not null, Timeout, $"Alertmanager did not resolve the PagerDuty incident for {DatabaseAlert}{Environment.NewLine}{Output}");
        var resolvePaged = clock.Elapsed - restarted;

        return new Outage(trigger!, resolve!, Receiver.Deliveries, inhibited, firing, paged, resolved, resolvePaged);
    }

    /// <summary>The first PagerDuty event of <paramref name="action"/> (<c>trigger</c>, <c>resolve</c>) about the database.</summary>
    private Delivery? PagerDutyEvent(string action) => Receiver.Deliveries.FirstOrDefault(d =>
        d.Path == "/pagerduty"
        && d.Body.GetProperty("event_action").GetString() == action
        && d.Body.GetProperty("payload").GetProperty("summary").GetString()!.Contains("cannot reach its database", StringComparison.Ordinal));
}
