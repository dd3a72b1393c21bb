using Switchboard.Gateway.Hosting;
using Switchboard.Servers.Everything;
using Switchboard.Servers.Financial;
using Switchboard.Servers.Utilities;

namespace Switchboard.Host;

/// <summary>Every server this build can mount in-process.</summary>
internal static class BuiltInServers
{
    public static IReadOnlyList<ServerRegistration> All { get; } =
    [
        new(EverythingServer.Name, _ => EverythingServer.CreateCatalog()),
        new(FinancialServer.Name, _ => FinancialServer.CreateCatalog()),
        new(UtilitiesServer.Name, _ => UtilitiesServer.CreateCatalog()),
    ];

    public static IEnumerable<string> Names => All.Select(s => s.Name);
}
