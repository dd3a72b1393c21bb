using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>
/// Issue 12, "what must be shown": real Prometheus and Alertmanager around a published gateway under traffic. A
/// stopped database fires <c>SwitchboardDatabaseUnavailable</c>, which pages the PagerDuty stand-in and resolves once
/// the database is back; then every recording rule and every dashboard panel query returns data.
/// </summary>
public sealed partial class MonitoringEndToEndTests(MonitoringStack stack) : IClassFixture<MonitoringStack>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DatabaseStopped_UnderLoad_AlertFiresAndPagesPagerDuty_SymptomsInhibited_DatabaseStarted_PageResolves()
    {
        var outage = await stack.RunOutageOnceAsync(Ct);

        MonitoringEnvironment.Report(string.Create(CultureInfo.InvariantCulture,
            $"database stopped: {MonitoringStack.DatabaseAlert} firing after {outage.Firing.TotalSeconds:0.0} s (for: {PrometheusServer.TestFor} in the test copy), PagerDuty paged after {outage.Paged.TotalSeconds:0.0} s; database started: resolved after {outage.Resolved.TotalSeconds:0.0} s, PagerDuty resolved after {outage.ResolvePaged.TotalSeconds:0.0} s"));
        MonitoringEnvironment.Report($"inhibited (by any alert) while {MonitoringStack.DatabaseAlert} fired: {string.Join(", ", outage.Inhibited)}");
        MonitoringEnvironment.Report($"notifications delivered: {string.Join(", ", outage.Deliveries.GroupBy(Describe).Select(g => $"{g.Key} x{g.Count()}"))}");

        var trigger = outage.Trigger.Body;
        Assert.Equal(AlertmanagerServer.PagerDutyRoutingKey, trigger.GetProperty("routing_key").GetString());
        var payload = trigger.GetProperty("payload");
        Assert.Equal("critical", payload.GetProperty("severity").GetString());
        Assert.Equal($"Switchboard 127.0.0.1:{stack.Gateway.ManagementPort} cannot reach its database", payload.GetProperty("summary").GetString());
        Assert.Equal("docs/runbooks/SwitchboardDatabaseUnavailable.md", payload.GetProperty("custom_details").GetProperty("runbook_url").GetString());
        Assert.Equal(trigger.GetProperty("dedup_key").GetString(), outage.Resolve.Body.GetProperty("dedup_key").GetString());
        // The shipped inhibition: a database outage pages for the cause, not for the audit appends it makes fail.
        Assert.Contains(MonitoringStack.AuditAlert, outage.Inhibited);
        // Critical alerts page; they never go to the Slack channel.
        Assert.DoesNotContain(outage.Deliveries, d => d.Path == "/slack" && d.Body.GetRawText().Contains(MonitoringStack.DatabaseAlert, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterTrafficAndAnOutage_EveryRecordingRuleAndEveryDashboardPanelQuery_ReturnsData()
    {
        await stack.RunOutageOnceAsync(Ct);
        // Traffic again after the recovery, then a fresh evaluation of every rule group.
        long sent = stack.Traffic.Sent;
        await Poll.UntilAsync(() => stack.Traffic.Sent >= sent + 100, TimeSpan.FromSeconds(60), "The traffic did not go on after the database came back");
        // The queue gauges report nothing while the database is down and come back with the gateway's next queue
        // sample, up to QueueMetricsSampler.Interval after the recovery: a hundred calls can take less than that.
        await Poll.UntilAsync(
            () => stack.Prometheus.HasDataAsync("switchboard_queue_oldest_job_age_seconds{job=\"switchboard\"}", Ct),
            TimeSpan.FromSeconds(30),
            "The queue gauges did not come back after the database did");
        await stack.Prometheus.WaitForEvaluationsAsync(Ct);
        MonitoringEnvironment.Report($"traffic: {string.Join("; ", stack.Traffic.Answers.Select(a => $"{a.Key} x{a.Value}"))}");

        var problems = new List<string>();
        var rules = await stack.Prometheus.RecordingRulesAsync(Ct);
        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            if (rule.Health != "ok")
            {
                problems.Add($"recording rule {rule.Name}: health {rule.Health}, {rule.LastError}");
            }
            else if (!await stack.Prometheus.HasDataAsync(rule.Name, Ct))
            {
                problems.Add($"recording rule {rule.Name} returns no data ({rule.Query})");
            }
        }

        int queries = 0;
        foreach (var (dashboard, panel, expression) in DashboardQueries())
        {
            queries++;
            string where = $"{dashboard} / \"{panel}\"";
            try
            {
                if (!await stack.Prometheus.HasDataAsync(Instantiate(expression), Ct))
                {
                    problems.Add($"{where}: no data for {expression}");
                }
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{where}: {e.Message}");
            }
        }

        // An alert `<query> <comparison> <threshold>` can only fire if its query returns data. (The burn-rate alerts
        // combine recording rules, checked above, with `and`/`or`.)
        int conditions = 0;
        foreach (var alert in await stack.Prometheus.AlertingRulesAsync(Ct))
        {
            if (alert.Query.Contains(" and ", StringComparison.Ordinal) || AlertCondition().Match(alert.Query.Trim()) is not { Success: true } condition)
            {
                continue;
            }

            string query = condition.Groups["query"].Value;
            conditions++;
            if (!await stack.Prometheus.HasDataAsync(query, Ct))
            {
                problems.Add($"alert {alert.Name}: no data for its query {query}");
            }
        }

        MonitoringEnvironment.Report($"{rules.Count} recording rules, {conditions} alert queries and {queries} dashboard panel queries evaluated against the live Prometheus; {problems.Count} without data");

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(conditions >= 5, $"Only {conditions} alert queries were checked.");
        Assert.Contains(stack.Traffic.Answers, a => a.Key.EndsWith(": task queued", StringComparison.Ordinal));
        Assert.True(queries >= 20, $"Only {queries} panel queries found under {MonitoringEnvironment.Dashboards}.");
    }

    /// <summary>
    /// Issue 14: the Argo Rollouts AnalysisTemplate's queries, as the chart renders them, measure the gateway's own
    /// series for the revision: each returns a number (not NaN: there is traffic for the revision's hash).
    /// </summary>
    [Fact]
    public async Task CanaryAnalysisQueries_FromTheRenderedChart_ReturnANumberForTheRevision()
    {
        var analysis = MonitoringEnvironment.CanaryAnalysis;
        Assert.True(analysis is not null, "SWITCHBOARD_MONITORING_ANALYSIS_QUERIES names no file: run this suite with scripts/test-monitoring.sh run, which extracts the queries from the rendered chart.");
        await stack.RunOutageOnceAsync(Ct);
        long sent = stack.Traffic.Sent;
        // The queries rate() over 2 minutes: wait for traffic after the outage so they measure the recovered gateway too.
        await Poll.UntilAsync(() => stack.Traffic.Sent >= sent + 100, TimeSpan.FromSeconds(60), "The traffic did not go on after the database came back");

        Assert.NotEmpty(analysis.Queries);
        var values = new List<string>();
        foreach (var query in analysis.Queries)
        {
            // A scalar() query answers [time, "value"].
            var result = await stack.Prometheus.QueryAsync(query.Expr, Ct);
            string value = result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 2 ? result[1].GetString()! : result.GetRawText();
            values.Add($"{query.Record} = {value}");
            Assert.True(double.TryParse(value, CultureInfo.InvariantCulture, out double number) && !double.IsNaN(number), $"{query.Record} measured {value}:{Environment.NewLine}{query.Expr}");
        }

        MonitoringEnvironment.Report($"canary analysis ({analysis.Queries.Count} queries from the rendered chart, rollouts_pod_template_hash=\"{analysis.RevisionHash}\"): {string.Join("; ", values)}");
    }

    [Fact]
    public async Task AfterTrafficAndAnOutage_EveryLogLine_IsOneJsonObjectWithTheFieldsTheLogShipperReads()
    {
        await stack.RunOutageOnceAsync(Ct);
        var lines = stack.Gateway.LogLines.Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);

        // deploy/monitoring/logging/fluent-bit.yaml lifts these to level, category, event_id, message, trace_id.
        string[] fields = ["EventId", "LogLevel", "Category", "Message"];
        var bad = new List<string>();
        int withTrace = 0;
        foreach (string line in lines)
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || fields.Any(f => !root.TryGetProperty(f, out _)))
                {
                    bad.Add(line);
                }
                else if (root.TryGetProperty("Scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array
                         && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _)))
                {
                    withTrace++;
                }
            }
            catch (JsonException)
            {
                bad.Add(line);
            }
        }

        MonitoringEnvironment.Report($"gateway log: {lines.Count} lines through traffic and the outage, {lines.Count - bad.Count} JSON objects with {string.Join(", ", fields)}; {withTrace} carry a TraceId scope");
        Assert.True(bad.Count == 0, $"{bad.Count} of {lines.Count} log lines are not one JSON object with {string.Join(", ", fields)}:{Environment.NewLine}{string.Join(Environment.NewLine, bad.Take(10))}");
    }

    /// <summary>Every <c>expr</c> of every panel (rows' nested panels included) of every dashboard file.</summary>
    private static IEnumerable<(string Dashboard, string Panel, string Expression)> DashboardQueries()
    {
        foreach (string file in Directory.GetFiles(MonitoringEnvironment.Dashboards, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in Panels(document.RootElement))
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                foreach (var target in targets.EnumerateArray())
                {
                    if (target.TryGetProperty("expr", out var expr))
                    {
                        yield return (Path.GetFileName(file), panel.GetProperty("title").GetString()!, expr.GetString()!);
                    }
                }
            }
        }
    }

    private static IEnumerable<JsonElement> Panels(JsonElement parent) =>
        parent.TryGetProperty("panels", out var panels)
            ? panels.EnumerateArray().SelectMany(p => Panels(p).Prepend(p))
            : [];

    /// <summary>
    /// The query as Grafana would send it: <c>$__rate_interval</c> and <c>$__range</c> become a window the test's
    /// one-second scrapes fill, and a template variable (always inside a regex matcher, <c>=~"$server"</c>) becomes "all".
    /// </summary>
    private static string Instantiate(string expression) =>
        TemplateVariable().Replace(
            expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$__range", "5m", StringComparison.Ordinal),
            ".*");

    private static string Describe(Delivery delivery) => delivery.Path == "/pagerduty"
        ? $"PagerDuty {delivery.Body.GetProperty("event_action").GetString()} \"{delivery.Body.GetProperty("payload").GetProperty("summary").GetString()}\""
        : $"Slack \"{delivery.Body.GetProperty("attachments")[0].GetProperty("title").GetString()}\"";

    [GeneratedRegex(@"^(?<query>.+?)\s*(?:==|!=|>=|<=|>|<)\s*[0-9.\s*+]+$", RegexOptions.Singleline)]
    private static partial Regex AlertCondition();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex TemplateVariable();
}
