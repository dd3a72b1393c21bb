using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Gateway.Servers;
using Switchboard.Upstreams;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard servers list|add|edit|remove|show|test|approve</c>: servers registered at run time, straight against the
/// database, as <c>/api/v1/servers</c>. Running gateways apply a change within about a second.
/// </summary>
internal static class ServersCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static string CliActor => $"cli:{Environment.UserName}";

    public static Command Create()
    {
        var list = new Command("list", "List the stored servers under a header row, one per line: name, transport, address, enabled, pinning, tools awaiting approval. Servers in a gateway's configuration or built in are listed by GET /api/v1/servers.");
        Configure(list, async (servers, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "NAME", "TRANSPORT", "ADDRESS", "ENABLED", "PINNING", "QUARANTINED"));
            foreach (var server in await servers.ListAsync(ct))
            {
                var info = await DescribeAsync(servers, server.Name, ct);
                Console.WriteLine(string.Join('\t', Shown.Text(info!.Name), info.Transport, Shown.Text(info.Url ?? info.Command ?? (info.Compose is { } tools ? string.Join(',', tools) : null)), info.Enabled ? "yes" : "no", Pinning(info), info.QuarantinedTools.Count));
            }

            return 0;
        });

        var name = new Argument<string>("name") { Description = "The server's name: lower-case letters, digits and single hyphens." };
        var url = new Option<string?>("--url") { Description = "The upstream's Streamable HTTP endpoint, http:// or https://." };
        var headers = new Option<string[]>("--header") { Description = "A header sent with every request to --url, NAME=VALUE (its credentials); repeat for several. Stored; never shown." };
        var command = new Option<string?>("--command") { Description = "The executable of a stdio upstream." };
        var args = new Option<string[]>("--arg") { Description = "An argument for --command; repeat, in order." };
        var env = new Option<string[]>("--env") { Description = "An environment variable for --command, NAME=VALUE; repeat for several. Stored; never shown." };
        var workingDirectory = new Option<string?>("--working-directory") { Description = "The working directory of --command." };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "How long one request to the upstream may take, e.g. 00:00:15 (default 30 s)." };
        var pinning = new Option<ToolPinning?>("--pinning") { Description = "Tool-definition pinning: Pin (the default: a changed tool is quarantined until approved), Warn, or Off." };
        var description = new Option<string?>("--description") { Description = "What the server is for." };
        var disabled = new Option<bool>("--disabled") { Description = "Register it without serving it." };
        var transport = new Option<UpstreamHttpTransport?>("--transport") { Description = "Which HTTP transport --url speaks: StreamableHttp (the default), Sse (legacy HTTP+SSE, 2024-11-05) or Auto (Streamable HTTP, falling back to SSE)." };
        var rename = new Option<string[]>("--rename") { Description = "Serve an upstream tool under another name, UPSTREAM=EXPOSED; repeat for several." };
        var hide = new Option<string[]>("--hide") { Description = "Do not serve this upstream tool at all; repeat for several." };
        var add = new Command("add", "Register a remote MCP server; every gateway serves it within about a second.") { name, url, headers, command, args, env, workingDirectory, timeout, pinning, description, disabled, transport, rename, hide };
        var resilience = new ServerResilienceOptions();
        resilience.AddTo(add);
        Configure(add, async (servers, result, ct) =>
        {
            var request = new AddServerRequest(
                result.GetRequiredValue(name),
                Url(result.GetValue(url)),
                Pairs(result.GetValue(headers), "--header"),
                result.GetValue(command),
                result.GetValue(args),
                Pairs(result.GetValue(env), "--env"),
                result.GetValue(workingDirectory),
                result.GetValue(timeout),
                result.GetValue(pinning),
                result.GetValue(description),
                !result.GetValue(disabled),
                result.GetValue(transport),
                Tools(result.GetValue(rename), result.GetValue(hide)),
                resilience.Read(result, new UpstreamOptions()));
            // This process cannot know what a gateway's configuration serves: a gateway that serves the name itself
            // leaves the stored server out, with the reason in GET /api/v1/servers and its readiness details.
            var added = await servers.AddAsync(request, new HashSet<string>(), CliActor, ct);
            await Console.Error.WriteLineAsync($"Registered the server '{Shown.Text(added.Name)}' ({added.Transport}); gateways serve it within about a second.");
            return 0;
        });

        var enabled = new Option<bool?>("--enabled") { Description = "true serves the server, false keeps it registered but not served." };
        var edit = new Command("edit", "Change a stored server in place: the options given replace its settings (--header, --arg, --env, --rename and --hide the whole set), the rest are kept. Every gateway serves the change within about a second.")
        {
            name, url, headers, command, args, env, workingDirectory, timeout, pinning, description, enabled, transport, rename, hide,
        };
        resilience.AddTo(edit);
        Configure(edit, async (servers, result, ct) =>
        {
            string server = result.GetRequiredValue(name);
            // The resilience options given change those settings only: the stored others are sent along unchanged.
            var stored = resilience.AnyGiven(result) ? await servers.GetAsync(server, ct) : null;
            var request = new EditServerRequest(
                Url(result.GetValue(url)),
                Given(Pairs(result.GetValue(headers), "--header")),
                result.GetValue(command),
                Given(result.GetValue(args)),
                Given(Pairs(result.GetValue(env), "--env")),
                result.GetValue(workingDirectory),
                result.GetValue(timeout),
                result.GetValue(pinning),
                result.GetValue(description),
                result.GetValue(enabled),
                result.GetValue(transport),
                result.GetValue(rename) is { Length: > 0 } || result.GetValue(hide) is { Length: > 0 } ? Tools(result.GetValue(rename), result.GetValue(hide)) : null,
                stored is null ? null : resilience.Read(result, servers.OptionsOf(stored)));
            if (request.Changed().Count == 0)
            {
                await Console.Error.WriteLineAsync("Nothing to change: give at least one option (see --help).");
                return 1;
            }

            var edited = await servers.EditAsync(server, request, CliActor, ct);
            await Console.Error.WriteLineAsync(edited is null
                ? $"There is no stored server '{Shown.Text(server)}'."
                : $"Changed the server '{Shown.Text(server)}' ({string.Join(", ", request.Changed())}); gateways serve the change within about a second.");
            return edited is null ? 1 : 0;
        });

        var remove = new Command("remove", "Remove a stored server and its pinned tool definitions; every gateway stops serving it.") { name };
        Configure(remove, async (servers, result, ct) =>
        {
            string shown = Shown.Text(result.GetRequiredValue(name));
            bool removed = await servers.RemoveAsync(result.GetRequiredValue(name), CliActor, ct);
            await Console.Error.WriteLineAsync(removed ? $"Removed the server '{shown}'." : $"There is no stored server '{shown}'.");
            return removed ? 0 : 1;
        });

        var show = new Command("show", "Print a stored server as JSON: its settings (header and environment values hidden) and the tools awaiting approval.") { name };
        Configure(show, async (servers, result, ct) =>
        {
            var info = await DescribeAsync(servers, result.GetRequiredValue(name), ct);
            if (info is null)
            {
                await Console.Error.WriteLineAsync($"There is no stored server '{Shown.Text(result.GetRequiredValue(name))}'.");
                return 1;
            }

            Console.WriteLine(JsonSerializer.Serialize(info, Json));
            return 0;
        });

        var test = new Command("test", "Connect to a stored server once from here, list its tools and say whether it serves MCP; exit 1 when it does not.") { name };
        Configure(test, async (servers, result, ct) =>
        {
            var stored = await servers.GetAsync(result.GetRequiredValue(name), ct);
            if (stored is null || VirtualServerRegistrations.IsVirtual(stored))
            {
                await Console.Error.WriteLineAsync($"There is no stored remote server '{Shown.Text(result.GetRequiredValue(name))}'.");
                return 1;
            }

            var probe = await UpstreamProbe.TestAsync(stored.Name, servers.OptionsOf(stored), NullLoggerFactory.Instance, TimeProvider.System, ct);
            Console.WriteLine(JsonSerializer.Serialize(probe, Json));
            return probe.Connected ? 0 : 1;
        });

        var tool = new Option<string?>("--tool") { Description = "Approve only this tool; every tool awaiting approval when left out." };
        var approve = new Command("approve", "Approve the changed tool definitions of a server: gateways serve them again, and remember them as approved.") { name, tool };
        Configure(approve, async (servers, result, ct) =>
        {
            string server = result.GetRequiredValue(name);
            var approved = await servers.ApproveAsync(server, result.GetValue(tool), CliActor, ct);
            await Console.Error.WriteLineAsync(approved.Count == 0
                ? $"No tool of '{Shown.Text(server)}' awaits approval."
                : $"Approved {approved.Count} tool(s) of '{Shown.Text(server)}': {Shown.Text(string.Join(", ", approved))}.");
            return 0;
        });

        return new Command("servers", "Manage the MCP servers registered at run time.") { list, add, edit, remove, show, test, approve, ServersComposeCommand.Create() };
    }

    private static async Task<ServerInfo?> DescribeAsync(ServerRegistrations servers, string name, CancellationToken ct)
    {
        if (await servers.GetAsync(name, ct) is not { } stored)
        {
            return null;
        }

        if (VirtualServerRegistrations.IsVirtual(stored))
        {
            try
            {
                return ServerInfo.Virtual(stored, VirtualServerRegistrations.ComposeOf(stored), "stored", null, 0);
            }
            catch (JsonException e)
            {
                return ServerInfo.Unreadable(stored, e.Message);
            }
        }

        string[] quarantined = [.. (await servers.PinsAsync(name, ct)).Where(p => p.PendingHash is not null).Select(p => p.Tool)];
        try
        {
            return ServerInfo.Remote(stored.Name, ServerSource.Stored, servers.OptionsOf(stored), stored, "stored", null, 0, quarantined);
        }
        catch (JsonException e)
        {
            return ServerInfo.Unreadable(stored, e.Message);
        }
    }

    // Parsed here, not by System.CommandLine (which has no Uri converter); the registration says what a usable URL is.
    private static Uri? Url(string? value) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out var url) ? url
        : throw new ArgumentException($"--url '{value}' is not a URL; give the upstream's endpoint, e.g. https://wiki-mcp.internal/mcp.");

    private static string Pinning(ServerInfo info) => info.Pinning?.ToString() ?? "-";

    private static Dictionary<string, string> Pairs(string[]? values, string option)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in values ?? [])
        {
            int equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // The value may be a secret: it is not repeated in the message.
                throw new ArgumentException($"{option} takes NAME=VALUE; one of them has no name before '='.");
            }

            pairs[value[..equals]] = value[(equals + 1)..];
        }

        return pairs;
    }

    private static ToolSettings Tools(string[]? rename, string[]? hide) =>
        new() { Rename = Pairs(rename, "--rename"), Hide = [.. hide ?? []] };

    // Left out on the command line means "keep what is stored", not "clear it".
    private static T? Given<T>(T? values) where T : class, System.Collections.IEnumerable =>
        values is null || !values.GetEnumerator().MoveNext() ? null : values;

    private static void Configure(Command command, Func<ServerRegistrations, ParseResult, CancellationToken, Task<int>> run)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => OperatorCommand.RunAsync(
            [.. result.UnmatchedTokens],
            services => run(services.GetRequiredService<ServerRegistrations>(), result, cancellationToken)));
    }
}
