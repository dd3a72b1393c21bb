using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Text;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Servers;

/// <summary>
/// Tool-definition pinning over the database, shared by every replica: a tool's first definition is recorded; a later
/// different one is quarantined (<see cref="ToolPinning.Pin"/>) or served with a warning (<see cref="ToolPinning.Warn"/>),
/// and audited once however many replicas see it.
/// </summary>
internal sealed partial class StoredToolPins(IToolPinStore pins, IAuditStore audit, RegistryVersion version, TimeProvider time, ILogger<StoredToolPins> logger) : IToolDefinitionPins
{
    /// <summary>The actor of changes the gateway makes by itself.</summary>
    public const string GatewayActor = "switchboard";

    public async Task<IReadOnlySet<string>> QuarantinedAsync(string server, UpstreamOptions options, IReadOnlyList<Tool> tools, CancellationToken cancellationToken)
    {
        var quarantined = new HashSet<string>(StringComparer.Ordinal);
        if (options.Pinning == ToolPinning.Off)
        {
            return quarantined;
        }

        var pinned = (await pins.ListAsync(server, cancellationToken)).ToDictionary(p => p.Tool, StringComparer.Ordinal);
        bool wrote = false;
        foreach (var tool in tools)
        {
            string hash = ToolDefinitionHash.Compute(options.Identity, tool);
            var now = time.GetUtcNow();
            if (!pinned.TryGetValue(tool.Name, out var pin))
            {
                wrote |= await pins.AddAsync(new ToolPin(server, tool.Name, hash, null, now, null), cancellationToken);
                continue;
            }

            if (pin.Hash == hash)
            {
                continue;
            }

            if (options.Pinning == ToolPinning.Pin)
            {
                quarantined.Add(tool.Name);
            }

            // Only the first process to record this change audits it: the others find it pending already.
            if (await pins.SetPendingAsync(server, tool.Name, hash, now, cancellationToken))
            {
                wrote = true;
                string outcome = options.Pinning == ToolPinning.Pin ? "quarantined" : "warned";
                await audit.AppendAsync(
                    new AuditEventDraft(now, GatewayActor, "servers.tool-changed", $"{server}/{tool.Name}", outcome, new JsonObject { ["approvedHash"] = pin.Hash, ["newHash"] = hash }.ToJsonString()),
                    cancellationToken);
                if (options.Pinning == ToolPinning.Pin)
                {
                    LogQuarantined(logger, server, PrintableText.Escape(tool.Name)!);
                }
                else
                {
                    LogChangedServed(logger, server, PrintableText.Escape(tool.Name)!);
                }
            }
        }

        if (wrote)
        {
            await version.AnnounceChangeAsync(cancellationToken);
        }

        return quarantined;
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': the definition of its tool '{Tool}' changed since it was approved; the tool is quarantined (hidden, calls refused) until an administrator approves it: switchboard servers approve {Server}.")]
    private static partial void LogQuarantined(ILogger logger, string server, string tool);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': the definition of its tool '{Tool}' changed since it was approved; it is served anyway (Pinning is Warn). Approve it to stop this warning: switchboard servers approve {Server}.")]
    private static partial void LogChangedServed(ILogger logger, string server, string tool);
}
