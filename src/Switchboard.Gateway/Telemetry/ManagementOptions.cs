using Microsoft.Extensions.Options;

namespace Switchboard.Gateway.Telemetry;

/// <summary>
/// Where Prometheus scrapes <c>/metrics</c> (section <c>Management</c>): a port of its own by default, without
/// authentication or the Host check, bound to loopback unless configured otherwise; on the main port only when asked.
/// </summary>
public sealed class ManagementOptions
{
    /// <summary>The configuration section: <c>Management</c>.</summary>
    public const string SectionName = "Management";

    /// <summary>The OpenTelemetry Prometheus exporter's customary port, on loopback.</summary>
    public const string DefaultUrls = "http://127.0.0.1:9464";

    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The management listener's URLs, <c>;</c>-separated (<c>http://0.0.0.0:9464</c> in a container); empty turns it
    /// off. It serves <c>/metrics</c> only, to anyone who can reach it: keep it off public networks.
    /// </summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Also serve <c>/metrics</c> on the main port, to authenticated callers (any role).</summary>
    public bool MetricsOnMainPort { get; set; }

    /// <summary>With <see cref="MetricsOnMainPort"/>: serve it there without authentication too.</summary>
    public bool AllowAnonymousMetrics { get; set; }
}

/// <summary>Explains a management setting that cannot work.</summary>
internal sealed class ManagementOptionsValidator : IValidateOptions<ManagementOptions>
{
    public ValidateOptionsResult Validate(string? name, ManagementOptions options)
    {
        var failures = new List<string>();
        foreach (string url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
            {
                failures.Add($"Management:Urls has '{url}'; give http://HOST:PORT URLs (for example {ManagementOptions.DefaultUrls}), or leave it empty to turn the management port off.");
            }
        }

        if (options.AllowAnonymousMetrics && !options.MetricsOnMainPort)
        {
            failures.Add("Management:AllowAnonymousMetrics applies only with Management:MetricsOnMainPort=true; the management port never asks for credentials.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
