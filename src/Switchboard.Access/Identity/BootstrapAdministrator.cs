using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Identity;

/// <summary>
/// On the very first start (no principals at all) creates the <c>admin</c> principal and its API key, so a new
/// install is locked from the first request and still usable. A generated key is printed once, to the console,
/// never to the logs; <c>Identity:BootstrapAdminKey</c> supplies one for unattended installs instead.
/// </summary>
internal sealed partial class BootstrapAdministrator(
    IPrincipalStore principals,
    ApiKeyService keys,
    IOptions<IdentityOptions> options,
    ILogger<BootstrapAdministrator> logger) : IHostedService
{
    public const string AdminName = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await principals.AnyAsync(cancellationToken))
        {
            return;
        }

        string? configured = options.Value.BootstrapAdminKey;
        CreatedApiKey created;
        try
        {
            created = await keys.CreateAsync(AdminName, [Policy.BuiltInRoles.Admin], key: configured, actor: "system", cancellationToken: cancellationToken);
        }
        catch (ArgumentException)
        {
            // The configured key was validated at start and 'admin' is built in, so this is the name clash of
            // another replica having created the administrator first.
            return;
        }

        LogCreated(logger, created.Info.Prefix);
        if (configured is null)
        {
            await Console.Out.WriteLineAsync($"""

                ========================================================================
                 Switchboard created the first administrator API key. It is shown once
                 and cannot be recovered: store it now.

                   {created.Key}

                 Send it as 'Authorization: Bearer <key>'. Make keys for people and
                 agents with 'switchboard keys create --name NAME --role ROLE'.
                ========================================================================

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "No principals existed: created the administrator 'admin' with API key {Prefix}.")]
    private static partial void LogCreated(ILogger logger, string prefix);
}
