using Switchboard.Agents.Mcp;
using Switchboard.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.Servers.Everything;
using Switchboard.Servers.Filesystem;
using Switchboard.Servers.Financial;
using Switchboard.Servers.Utilities;
using Switchboard.Workflows.Mcp;

namespace Switchboard.Host;

/// <summary>Every server this build can mount in-process.</summary>
internal static class BuiltInServers
{
    public static IReadOnlyList<ServerRegistration> All { get; } =
    [
        new(EverythingServer.Name, _ => EverythingServer.CreateCatalog()),
        new(FinancialServer.Name, _ => FinancialServer.CreateCatalog()),
        new(UtilitiesServer.Name, _ => UtilitiesServer.CreateCatalog()),
        new(WorkflowsServer.Name, _ => WorkflowsServer.CreateCatalog()),
        new(AgentsServer.Name, services => (services.GetService<AgentsServer>() ?? throw new InvalidOperationException("The agents server runs only inside the gateway.")).CreateCatalog()),
        // Reading the options validates them (roots exist, limits sane) only when the server is actually mounted.
        new(FilesystemServer.Name, services => FilesystemServer.CreateCatalog(services.GetRequiredService<IOptions<FilesystemOptions>>().Value)),
    ];

    /// <summary>Registers the options the built-in servers read.</summary>
    public static IServiceCollection AddBuiltInServerOptions(this IServiceCollection services)
    {
        services.AddOptions<FilesystemOptions>().BindConfiguration(FilesystemOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FilesystemOptions>, FilesystemOptionsValidator>());
        return services;
    }

    public static IEnumerable<string> Names => All.Select(s => s.Name);
}
