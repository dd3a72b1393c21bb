using System.Globalization;
using System.Runtime.Versioning;
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
