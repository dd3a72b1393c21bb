using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Switchboard.Access;
using Switchboard.Gateway;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Gateway.Telemetry;
using Switchboard.Policy;

namespace Switchboard.Benchmarks.Gateway;

/// <summary>What telemetry is on: none, metrics as served by default, or metrics and every span sampled.</summary>
public enum TelemetryMode
{
    Off,

    Metrics,

    MetricsAndTraces,
}

/// <summary>
/// What telemetry adds to a tool call (issue 12): the access path with its spans (<c>Guard</c>) and the gateway's own
/// instruments around it (<c>ToolCallInstruments</c>: calls in flight, the tool-call span, the duration histogram),
/// with OpenTelemetry listening as the host configures it, or not at all.
/// </summary>
[MemoryDiagnoser]
public class TelemetryOverheadBenchmarks : IAsyncDisposable
{
    private const string Scope = "utilities/uuid_v4";

    private ServiceProvider _services = null!;
    private AccessGuard _guard = null!;
    private AccessPrincipal _caller = null!;
    private string? _directory;

    [Params(TelemetryMode.Off, TelemetryMode.Metrics, TelemetryMode.MetricsAndTraces)]
    public TelemetryMode Telemetry { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("sb-bench-telemetry-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_directory, "bench.db")}",
            ["Storage:MigrateOnStart"] = "true",
            ["RateLimits:Default:PerPrincipal:Permits"] = "1000000000",
            ["RateLimits:Default:PerPrincipal:Burst"] = "1000000000",
            ["RateLimits:Default:PerPrincipalTool:Permits"] = "1000000000",
            ["RateLimits:Default:PerPrincipalTool:Burst"] = "1000000000",
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSwitchboardGateway(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), servers: []);
        if (Telemetry != TelemetryMode.Off)
        {
            var telemetry = services.AddOpenTelemetry().WithMetrics(m => m.AddMeter([.. TelemetryExtensions.SwitchboardSources, TelemetryExtensions.McpSdkName]).AddPrometheusExporter());
            if (Telemetry == TelemetryMode.MetricsAndTraces)
            {
                telemetry.WithTracing(t => t.AddSource([.. TelemetryExtensions.SwitchboardSources]).SetSampler(new AlwaysOnSampler()));
            }
        }

        _services = services.BuildServiceProvider();
        _services.GetService<MeterProvider>();
        _services.GetService<TracerProvider>();
        var migrated = await _services.GetRequiredService<Switchboard.Storage.Maintenance.StorageCommands>().MigrateAsync();
        if (!migrated.Succeeded)
        {
            throw new InvalidOperationException(migrated.Message);
        }

        _guard = _services.GetRequiredService<AccessGuard>();
        _caller = new AccessPrincipal("bench-agent", new RoleSet([BuiltInRoles.Agent]));
        if (!await Guard())
        {
            throw new InvalidOperationException("The warm-up call was refused: the benchmark would measure a refusal.");
        }
    }

    /// <summary>The access path (policy, limits, audit-writable check) with its spans.</summary>
    [Benchmark]
    public async Task<bool> Guard() => (await _guard.AuthorizeToolCallAsync(_caller, Scope, null)).Allowed;

    /// <summary>The gateway filter's instruments for one call, as <c>McpAccessFilters.CallToolAsync</c> records them.</summary>
    [Benchmark]
    public double ToolCallInstruments()
    {
        long started = Stopwatch.GetTimestamp();
        GatewayDiagnostics.ToolCallStarted();
        using (var activity = GatewayDiagnostics.ActivitySource.StartActivity("switchboard.tool_call"))
        {
            if (activity is not null)
            {
                activity.DisplayName = "tool_call utilities/uuid_v4";
                activity.SetTag("mcp.server", "utilities");
                activity.SetTag("gen_ai.tool.name", "uuid_v4");
                activity.SetTag("enduser.id", "bench-agent");
                activity.SetTag("switchboard.outcome", "ok");
            }
        }

        GatewayDiagnostics.ToolCallEnded();
        double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        GatewayDiagnostics.ToolCallDuration.Record(elapsed, new TagList { { "mcp.server", "utilities" }, { "mcp.tool", "uuid_v4" }, { "outcome", "ok" } });
        return elapsed;
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_services is not null)
        {
            await _services.DisposeAsync();
            _services = null!;
        }

        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            _directory = null;
        }
    }
}
