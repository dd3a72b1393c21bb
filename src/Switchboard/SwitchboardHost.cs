using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Gateway;
using Switchboard.Gateway.Hosting;
using Switchboard.Gateway.Telemetry;
using Switchboard.Registry;
using Switchboard.Storage;

namespace Switchboard.Host;

/// <summary>Composes the processes the <c>switchboard</c> executable runs; tests use the same composition.</summary>
public static class SwitchboardHost
{
    /// <summary>Where the gateway listens when neither <c>--urls</c> nor configuration says: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Environment variables with this prefix are configuration: <c>SWITCHBOARD__Gateway__MaxRequestBodyBytes</c>.</summary>
    public const string EnvironmentPrefix = "SWITCHBOARD__";

    /// <summary>
    /// Builds the HTTP gateway, or one server alone at <c>/mcp</c> when <paramref name="topology"/> names it.
    /// <paramref name="args"/> are configuration overrides (<c>--Section:Key=value</c>).
    /// </summary>
    public static WebApplication BuildGateway(string[] args, GatewayTopology? topology = null, string? urls = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddSwitchboardConfiguration(builder.Configuration, args);
        QuietStartFailures(builder.Logging);

        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }
        else if (builder.Configuration["urls"] is null && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        ListenAddresses.Validate(builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey), builder.Configuration);

        // One server alone (`switchboard mcp NAME --urls …`) often runs beside a gateway on the same host, so it takes
        // the management port only where Management:Urls is set for it (the container image sets it).
        bool serveMetrics = topology?.StandaloneServer is null || builder.Configuration[$"{ManagementOptions.SectionName}:{nameof(ManagementOptions.Urls)}"] is not null;
        builder.AddSwitchboardTelemetry(serveMetrics);
        builder.Services.AddBuiltInServerOptions();
        builder.Services.AddSwitchboardGateway(builder.Configuration, BuiltInServers.All, topology);
        var app = builder.Build();
        app.MapSwitchboardGateway();
        return app;
    }

    /// <summary>Builds a host that serves one server over stdio; logs go to stderr, which the protocol leaves free.</summary>
    public static IHost BuildStdioServer(string[] args, string serverName)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddSwitchboardConfiguration(builder.Configuration, args);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        QuietStartFailures(builder.Logging);
        builder.AddSwitchboardTelemetry(serveMetrics: false);

        builder.Services.AddBuiltInServerOptions();
        var registration = BuiltInServers.All.Single(s => s.Name == serverName);
        builder.Services.AddSingleton(sp => McpServerView.Single(registration.Create(sp)));
        // The SDK's stdio transport, over an input that answers malformed lines itself and whose end waits for the
        // answers to what was read before it.
        var messages = new StdioInput.Messages();
        builder.Services.AddMcpServer().WithStdioServerTransport();
        builder.Services.Replace(ServiceDescriptor.Singleton<ITransport>(services =>
        {
            var input = new StdioInput(Console.OpenStandardInput(), messages);
            var transport = new StreamServerTransport(input, new BufferedStream(Console.OpenStandardOutput()), serverName, services.GetService<ILoggerFactory>());
            input.AnswerThrough(transport);
            return transport;
        }));
        builder.Services.AddOptions<McpServerOptions>().Configure<McpServerView>((options, view) =>
        {
            view.ApplyTo(options);
            messages.AddTo(options);
        });
        var host = builder.Build();
        messages.ServerStarted = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted;
        return host;
    }

    /// <summary>
    /// The services operator commands need (<c>migrate</c>, <c>backup</c>, <c>keys</c> …), with the same
    /// configuration as <c>serve</c>. Nothing is started: the gateway's start-up check would refuse the very
    /// database <c>migrate</c> is about to upgrade.
    /// </summary>
    public static ServiceProvider BuildOperatorServices(string[] args)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddSwitchboardConfiguration(builder.Configuration, args);
        builder.Logging.ClearProviders();
        builder.Services.AddSwitchboardStorage(builder.Configuration);
        builder.Services.AddSwitchboardAudit(builder.Configuration);
        builder.Services.AddSwitchboardAccess(builder.Configuration);
        builder.Services.AddSwitchboardServerRegistrations();
        return builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    // The generic host logs a failed start (a setting to fix, such as a filesystem root that does not exist) at Error
    // with the whole stack trace, before HostRunner prints the operator's message. Its Critical entries stay: a
    // background service that crashes still stops the host with one, and a start failure HostRunner does not catch
    // still ends the process as an unhandled exception, trace included.
    private static void QuietStartFailures(ILoggingBuilder logging) =>
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

    private static void AddSwitchboardConfiguration(IConfigurationManager configuration, string[] args)
    {
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        // Flags win over the environment, as everywhere else in .NET configuration.
        configuration.AddCommandLine(args);
    }
}
