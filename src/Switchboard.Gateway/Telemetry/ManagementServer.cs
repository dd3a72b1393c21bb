using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Switchboard.Gateway.Telemetry;

/// <summary>
/// The management listener: a Kestrel server of its own on <see cref="ManagementOptions.Urls"/> that serves the
/// gateway's <see cref="MeterProvider"/> at <c>/metrics</c> and nothing else. Separate from the main pipeline, so
/// none of its guards (Host check, authentication, body limits) applies, and the main port never exposes it by accident.
/// </summary>
public sealed class ManagementServer(MeterProvider meterProvider, IOptions<ManagementOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses it listens on once started (ports chosen by the system included); empty when off.</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string urls = options.Value.Urls;
        if (string.IsNullOrWhiteSpace(urls))
        {
            return;
        }

        // Empty: none of the gateway's configuration (ASPNETCORE_URLS, Kestrel:Endpoints) may bind this server too.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRouting();
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>(); // the gateway's host owns signals and shutdown
        builder.Services.AddSingleton(loggerFactory); // its own start-up errors reach the gateway's log
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint(ManagementOptions.MetricsPath, meterProvider, configureBranchedPipeline: null!, optionsName: null!);
        await app.StartAsync(cancellationToken);
        _app = app;
        Urls = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
