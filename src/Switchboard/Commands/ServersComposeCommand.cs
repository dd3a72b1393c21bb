using System.CommandLine;
using Switchboard.Gateway.Servers;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard servers compose NAME --tool server/tool …</c>: stores a virtual server (or replaces its composition),
/// as <c>PUT /api/v1/virtual-servers/{name}</c>; <c>servers remove NAME</c> removes it.
/// </summary>
internal static class ServersComposeCommand
{
    private static string CliActor => $"cli:{Environment.UserName}";

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The virtual server's name: lower-case letters, digits and single hyphens." };
        var tools = new Option<string[]>("--tool") { Description = "A tool it serves, server/tool by the name that server exposes; repeat for several. They replace the whole composition.", Required = true };
        var description = new Option<string?>("--description") { Description = "What the virtual server is for." };
        var disabled = new Option<bool>("--disabled") { Description = "Store it without serving it." };
        var compose = new Command("compose", "Store a virtual server: the given tools of several servers as one /servers/NAME/mcp endpoint (it replaces a virtual server of that name). Every gateway serves it within about a second.")
        {
            name, tools, description, disabled,
        };
        compose.TreatUnmatchedTokensAsErrors = false;
        compose.SetAction((result, cancellationToken) => OperatorCommand.RunAsync(
            [.. result.UnmatchedTokens],
            async services =>
            {
                string server = result.GetRequiredValue(name);
                var request = new VirtualServerRequest(result.GetValue(tools), result.GetValue(description), !result.GetValue(disabled));
                // This process cannot know what a gateway's configuration serves: a gateway that serves the name itself
                // leaves the stored virtual server out, with the reason in GET /api/v1/servers.
                bool created = await services.GetRequiredService<VirtualServerRegistrations>().PutAsync(server, request, new HashSet<string>(), CliActor, cancellationToken);
                await Console.Error.WriteLineAsync($"{(created ? "Stored" : "Changed")} the virtual server '{Shown.Text(server)}'; gateways serve it at /servers/{Shown.Text(server)}/mcp within about a second.");
                return 0;
            }));
        return compose;
    }
}
