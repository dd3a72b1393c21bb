using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>The gateway with <c>Audit:CaptureArguments=true</c>.</summary>
public sealed class ArgumentCaptureGatewayServer : GatewayServer
{
    protected override string[] ExtraArguments => ["--Audit:CaptureArguments=true"];
}

/// <summary>What the audit trail keeps of a tool call's arguments: nothing by default, redacted when capture is on.</summary>
public static class ToolCallAudit
{
    public const string HmacKey = "correct horse battery staple";

    // A made-up JWT: redacted as a value, whatever the argument is called.
    public const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

    /// <summary>Calls <c>utilities__hmac</c>, whose <c>key</c> argument is the secret; returns the message sent and the call's audit event.</summary>
    public static async Task<(string Message, AuditEvent Event)> CallHmacAsync(GatewayServer gateway)
    {
        var ct = TestContext.Current.CancellationToken;
        var message = $"webhook {Guid.NewGuid():N} signed with {Jwt}";
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25");
        var result = await client.CallToolAsync(
            "utilities__hmac",
            new Dictionary<string, object?> { ["key"] = HmacKey, ["message"] = message, ["algorithm"] = "sha256" },
            cancellationToken: ct);

        Assert.NotEqual(true, result.IsError);
        var mac = result.StructuredContent!.Value.GetProperty("mac").GetString()!;
        var events = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Action: "tools/call", Target: "utilities/hmac", Limit: 10_000), ct);
        // Redaction is the audit trail's alone: the tool got the real key.
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacKey), Encoding.UTF8.GetBytes(message))), mac);
        return (message, events[^1]);
    }
}

public sealed class ToolCallAuditDefaultTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task CallTool_ByDefault_AuditsTheCallWithoutItsArguments()
    {
        var (_, call) = await ToolCallAudit.CallHmacAsync(gateway);

        var details = JsonNode.Parse(call.Details!)!.AsObject();
        Assert.Equal("ok", call.Outcome);
        Assert.True(details.ContainsKey("decision"));
        Assert.False(details.ContainsKey("arguments"));
        Assert.DoesNotContain(ToolCallAudit.HmacKey, call.Details, StringComparison.Ordinal);
    }
}

public sealed class ToolCallAuditCaptureTests(ArgumentCaptureGatewayServer gateway) : IClassFixture<ArgumentCaptureGatewayServer>
{
    [Fact]
    public async Task CallTool_CaptureOn_StoresTheArgumentsWithSecretsRedacted()
    {
        var (message, call) = await ToolCallAudit.CallHmacAsync(gateway);

        var arguments = JsonNode.Parse(call.Details!)!["arguments"]!.AsObject();
        Assert.Equal("ok", call.Outcome);
        Assert.Equal("[redacted]", (string?)arguments["key"]);
        Assert.Equal(message.Replace(ToolCallAudit.Jwt, "[redacted]", StringComparison.Ordinal), (string?)arguments["message"]);
        Assert.Equal("sha256", (string?)arguments["algorithm"]);
        Assert.DoesNotContain(ToolCallAudit.HmacKey, call.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(ToolCallAudit.Jwt, call.Details, StringComparison.Ordinal);
        Assert.True((await gateway.Services.GetRequiredService<IAuditStore>().VerifyAsync(TestContext.Current.CancellationToken)).Intact);
    }
}
