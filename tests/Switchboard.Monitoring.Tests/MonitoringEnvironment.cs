using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using Switchboard.Testing;

// Prometheus, Alertmanager and PostgreSQL run as Debian packages here: Linux only, as the deployment is.
[assembly: SupportedOSPlatform("linux")]

namespace Switchboard.Monitoring.Tests;

/// <summary>
/// What the monitoring suite runs: the shipped configuration in <c>deploy/monitoring</c>, Debian's Prometheus and
/// Alertmanager (<c>scripts/test-monitoring.sh install</c>), and the published <c>switchboard</c>
/// (<see cref="PublishedSwitchboard"/>).
/// </summary>
internal static class MonitoringEnvironment
{
    /// <summary><c>deploy/monitoring</c> in this repository: what ships, and what these tests load.</summary>
    public static string Configuration => Path.Combine(Repository.Root, "deploy", "monitoring");

    /// <summary>The rule file every deployment loads (compose, the Helm chart's PrometheusRule).</summary>
    public static string RuleFile => Path.Combine(Configuration, "prometheus", "rules", "switchboard.rules.yml");

    public static string AlertmanagerConfig => Path.Combine(Configuration, "alertmanager", "alertmanager.yml");

    public static string Dashboards => Path.Combine(Configuration, "grafana", "dashboards");

    public static string Prometheus => Executable("SWITCHBOARD_TEST_PROMETHEUS", "/usr/bin/prometheus");

    public static string Alertmanager => Executable("SWITCHBOARD_TEST_ALERTMANAGER", "/usr/bin/prometheus-alertmanager");

    /// <summary>
    /// The Argo Rollouts canary analysis queries, extracted from the rendered chart by <c>scripts/test-monitoring.sh</c>
    /// (<c>scripts/k8s/analysis-rules.mjs --json</c>), with the pod-template hash they select; null when not given.
    /// </summary>
    public static AnalysisQueries? CanaryAnalysis { get; } =
        Environment.GetEnvironmentVariable("SWITCHBOARD_MONITORING_ANALYSIS_QUERIES") is { Length: > 0 } file
            ? JsonSerializer.Deserialize<AnalysisQueries>(File.ReadAllText(file), new JsonSerializerOptions(JsonSerializerDefaults.Web))
            : null;

    /// <summary>Records a finding for the summary <c>scripts/test-monitoring.sh</c> prints at the end.</summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("SWITCHBOARD_MONITORING_REPORT") is { Length: > 0 } file)
        {
            File.AppendAllText(file, string.Create(CultureInfo.InvariantCulture, $"{line}{Environment.NewLine}"));
        }
    }

    private static string Executable(string variable, string fallback)
    {
        string path = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured ? configured : fallback;
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist. Install it with `scripts/test-monitoring.sh install` (Debian packages prometheus, prometheus-alertmanager), or name it with {variable}.");
    }
}

/// <summary>The canary analysis queries as <c>scripts/k8s/analysis-rules.mjs --json</c> writes them.</summary>
/// <param name="RevisionHash">The <c>rollouts_pod_template_hash</c> the queries select.</param>
/// <param name="Queries">One per analysis metric: its name (<c>record</c>) and PromQL (<c>expr</c>).</param>
internal sealed record AnalysisQueries(string RevisionHash, IReadOnlyList<AnalysisQuery> Queries);

/// <summary>One analysis metric's query.</summary>
internal sealed record AnalysisQuery(string Record, string Expr);
