using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>A recording (or alerting) rule as Prometheus reports it (<c>/api/v1/rules</c>).</summary>
internal sealed record RecordingRule(string Name, string Query, string Health, string? LastError);

/// <summary>
/// Debian's Prometheus on a loopback port, scraping one switchboard's management port every second and evaluating
/// the shipped <c>switchboard.rules.yml</c> every second, sending alerts to one Alertmanager. The only change to the
/// rules is test timing: every <c>for:</c> becomes 2 s (a copy in the test's folder; the shipped file is untouched),
/// so that an outage fires in seconds rather than minutes. Queried through its HTTP API.
/// </summary>
internal sealed partial class PrometheusServer : IAsyncDisposable
{
    /// <summary>What every <c>for:</c> of the shipped rules becomes here.</summary>
    public const string TestFor = "2s";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly BackgroundProcess _process;
    private readonly string _directory;

    private PrometheusServer(BackgroundProcess process, string directory, int port) => (_process, _directory, Port) = (process, directory, port);

    public int Port { get; }

    public string Output => _process.Output;

    public static async Task<PrometheusServer> StartAsync(int scrapePort, int alertmanagerPort, string? revisionHash, CancellationToken cancellationToken)
    {
        string directory = Directory.CreateTempSubdirectory("switchboard-prometheus-").FullName;
        string rules = Path.Combine(directory, "switchboard.rules.yml");
        await File.WriteAllTextAsync(rules, WithTestTiming(await File.ReadAllTextAsync(MonitoringEnvironment.RuleFile, cancellationToken)), cancellationToken);
        // The pod-template hash a rollout's pods carry (the ServiceMonitor's podTargetLabels), for the canary analysis queries.
        string targetLabels = revisionHash is null ? "{}" : $"{{rollouts_pod_template_hash: \"{revisionHash}\"}}";
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: ["{{rules}}"]
            alerting:
              alertmanagers:
                - static_configs: [{targets: ["127.0.0.1:{{alertmanagerPort}}"]}]
            scrape_configs:
              # The rules select job="switchboard", as every shipped scrape configuration names it.
              - job_name: switchboard
                static_configs: [{targets: ["127.0.0.1:{{scrapePort}}"], labels: {{targetLabels}}}]
            """), cancellationToken);

        int port = LoopbackPort.Next();
        var process = new BackgroundProcess("prometheus", MonitoringEnvironment.Prometheus,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            // Send firing and resolved alerts to Alertmanager at every evaluation, not once a minute.
            "--rules.alert.resend-delay=1s",
        ], directory);
        var prometheus = new PrometheusServer(process, directory, port);
        try
        {
            await process.WaitUntilAsync(prometheus.IsReadyAsync, TimeSpan.FromSeconds(60));
            return prometheus;
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
    }

    /// <summary>The shipped rules with every <c>for:</c> shortened to <see cref="TestFor"/>; nothing else changes.</summary>
    public static string WithTestTiming(string rules)
    {
        string shortened = ForClause().Replace(rules, $"${{indent}}for: {TestFor}");
        return shortened != rules ? shortened : throw new InvalidOperationException("The rule file has no 'for:' clause to shorten: has its layout changed?");
    }

    /// <summary>Evaluates <paramref name="expression"/> now; returns <c>data.result</c> (a vector, or a scalar's [time, value]).</summary>
    public async Task<JsonElement> QueryAsync(string expression, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(
            new Uri($"http://127.0.0.1:{Port}/api/v1/query"),
            new FormUrlEncodedContent([new("query", expression)]),
            cancellationToken);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected '{expression}': {root.GetProperty("error").GetString()}");
        }

        return root.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>Whether <paramref name="expression"/> returns at least one sample now.</summary>
    public async Task<bool> HasDataAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(expression, cancellationToken);
        return result.ValueKind == JsonValueKind.Array && result.GetArrayLength() > 0;
    }

    /// <summary>The state (<c>pending</c>, <c>firing</c>) of each active alert named <paramref name="alertName"/>.</summary>
    public async Task<IReadOnlyList<string>> AlertStatesAsync(string alertName, CancellationToken cancellationToken)
    {
        using var document = await GetAsync("/api/v1/alerts", cancellationToken);
        return [.. document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alertName)
            .Select(a => a.GetProperty("state").GetString()!)];
    }

    /// <summary>Every recording rule Prometheus loaded, with its last evaluation's health.</summary>
    public Task<IReadOnlyList<RecordingRule>> RecordingRulesAsync(CancellationToken cancellationToken) => RulesAsync("record", cancellationToken);

    /// <summary>Every alerting rule Prometheus loaded (its name and expression), with its last evaluation's health.</summary>
    public Task<IReadOnlyList<RecordingRule>> AlertingRulesAsync(CancellationToken cancellationToken) => RulesAsync("alert", cancellationToken);

    private async Task<IReadOnlyList<RecordingRule>> RulesAsync(string type, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"/api/v1/rules?type={type}", cancellationToken);
        return [.. document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => new RecordingRule(
                r.GetProperty("name").GetString()!,
                r.GetProperty("query").GetString()!,
                r.GetProperty("health").GetString()!,
                r.TryGetProperty("lastError", out var error) ? error.GetString() : null))];
    }

    /// <summary>How many rule evaluations of every group have completed; waits for the next round after a change.</summary>
    public async Task WaitForEvaluationsAsync(CancellationToken cancellationToken)
    {
        var before = await LastEvaluationsAsync(cancellationToken);
        await Poll.UntilAsync(
            async () => (await LastEvaluationsAsync(cancellationToken)).Zip(before).All(p => p.First > p.Second),
            TimeSpan.FromSeconds(30),
            "Prometheus did not evaluate every rule group again");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<List<DateTimeOffset>> LastEvaluationsAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("/api/v1/rules", cancellationToken);
        return [.. document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .Select(g => g.GetProperty("lastEvaluation").GetDateTimeOffset())];
    }

    private async Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken) =>
        (await Http.GetFromJsonAsync<JsonDocument>(new Uri($"http://127.0.0.1:{Port}{path}"), cancellationToken))!;

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

    [GeneratedRegex(@"^(?<indent>[ \t]+)for:[ \t]*\S+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex ForClause();
}
