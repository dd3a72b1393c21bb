using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Switchboard.Access.Diagnostics;
using Switchboard.Agents.Diagnostics;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Storage.Diagnostics;
using Switchboard.Upstreams.Diagnostics;

namespace Switchboard.Gateway.Telemetry;

/// <summary>OpenTelemetry for every Switchboard host, in one place (as eShop's ServiceDefaults does it).</summary>
public static class TelemetryExtensions
{
    /// <summary>The MCP C# SDK's activity source and meter (spans per JSON-RPC message, <c>_meta</c> trace context).</summary>
    public const string McpSdkName = "Experimental.ModelContextProtocol";

    /// <summary>The activity sources and meters Switchboard itself defines.</summary>
    public static readonly IReadOnlyList<string> SwitchboardSources =
        [GatewayDiagnostics.Name, AccessDiagnostics.Name, StorageDiagnostics.MeterName, UpstreamDiagnostics.Name, AgentDiagnostics.Name];

    /// <summary>
    /// ASP.NET Core instruments measured on every request (or every buffer Kestrel rents) that no dashboard, alert or
    /// docs/observability.md names: each is an aggregation per request for nobody (issue 18). Dropped by a view, so
    /// ASP.NET Core does not measure them at all. Credential failures are <c>switchboard.auth.failures</c>; requests
    /// by route, <c>http.server.request.duration</c>.
    /// </summary>
    internal static readonly FrozenSet<string> UnreadPerRequestInstruments = FrozenSet.Create(
        StringComparer.Ordinal,
        "aspnetcore.authentication.authenticate.duration",
        "aspnetcore.authorization.attempts",
        "aspnetcore.routing.match_attempts",
        "aspnetcore.memory_pool.rented",
        "aspnetcore.memory_pool.pooled");

    /// <summary>
    /// Adds OpenTelemetry: metrics always (ASP.NET Core, HTTP client, runtime, Npgsql, the MCP SDK and Switchboard's
    /// own), served to Prometheus by <see cref="ManagementServer"/> on <c>Management:Urls</c>; traces and the OTLP
    /// exporter for all three signals only when an OTLP endpoint is configured with the standard variables
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>, with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
    /// <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c> …): spans nobody collects are not made. Console logs
    /// carry the trace and span ids (JSON with <c>Logging:Console:FormatterName=json</c>).
    /// <paramref name="serveMetrics"/> false leaves out the Prometheus endpoint and its listener: a stdio server, which
    /// its gateway starts as a child, exports over OTLP only.
    /// </summary>
    public static TBuilder AddSwitchboardTelemetry<TBuilder>(this TBuilder builder, bool serveMetrics = true)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;

        // JSON lines carry the trace and span ids only as a scope (the host tracks them on every log entry).
        builder.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat ??= "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            o.UseUtcTimestamp = true;
        });

        bool otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    r.AddService("switchboard", serviceVersion: typeof(TelemetryExtensions).Assembly.GetName().Version?.ToString());
                }
            });
        if (serveMetrics || otlp)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddView(static instrument => UnreadPerRequestInstruments.Contains(instrument.Name) ? MetricStreamConfiguration.Drop : null)
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter([.. SwitchboardSources, McpSdkName]);
                if (serveMetrics)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        }

        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = static context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                // Spans are made from StackExchange.Redis's profiling sessions, polled every 100 ms while commands come in.
                .AddRedisInstrumentation(o => o.FlushInterval = TimeSpan.FromSeconds(1))
                .AddSource([.. SwitchboardSources, McpSdkName]));
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisTracing>());
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
            });
            telemetry.UseOtlpExporter();
        }

        if (!serveMetrics)
        {
            return builder;
        }

        builder.Services.AddOptions<ManagementOptions>().Bind(configuration.GetSection(ManagementOptions.SectionName)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ManagementOptions>, ManagementOptionsValidator>());
        builder.Services.TryAddSingleton<ManagementServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ManagementServer>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TlsCertificateExpiry>());
        return builder;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(ManagementOptions.MetricsPath, StringComparison.OrdinalIgnoreCase);
}
