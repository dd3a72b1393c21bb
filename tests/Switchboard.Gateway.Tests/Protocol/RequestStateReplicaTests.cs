using System.Net;
using System.Text.Json.Nodes;

namespace Switchboard.Gateway.Tests.Protocol;

/// <summary>
/// A <c>requestState</c> (SEP-2322) sealed by one replica is honoured by another that shares its database, and
/// refused when altered or when the replica holds other keys: the state is authenticated with a key every replica
/// of one deployment derives from the signing keys in the database, so a client cannot forge or edit it.
/// </summary>
public sealed class RequestStateReplicaTests : IAsyncLifetime
{
    private const string Tool = "everything__test_input_required_result_request_state";

    private readonly string _sharedDatabase = Path.Combine(Directory.CreateTempSubdirectory("switchboard-replicas-").FullName, "switchboard.db");
    private readonly HttpClient _http = new();
    private ReplicaGatewayServer _first = null!;
    private ReplicaGatewayServer _second = null!;
    private GatewayServer _foreign = null!;

    public async ValueTask InitializeAsync()
    {
        // One after the other: the first creates the shared database and its administrator key, which both then accept.
        _first = new ReplicaGatewayServer(_sharedDatabase);
        await _first.InitializeAsync();
        _second = new ReplicaGatewayServer(_sharedDatabase);
        await _second.InitializeAsync();
        _foreign = new GatewayServer();
        await _foreign.InitializeAsync();
    }

    [Fact]
    public async Task StateSealedByOneReplica_IsHonouredByAnother_AndRefusedWhenTamperedOrForeign()
    {
        var first = await StatelessRequest.CallToolAsync(_http, _first.Endpoint("/mcp"), _first.AdminKey, Tool);
        string state = first.Result.GetProperty("requestState").GetString()!;
        var confirm = new JsonObject { ["confirm"] = StatelessRequest.Accept(new JsonObject { ["ok"] = true }) };

        var honoured = await StatelessRequest.CallToolAsync(_http, _second.Endpoint("/mcp"), _first.AdminKey, Tool, inputResponses: confirm.DeepClone().AsObject(), requestState: state);
        var tampered = await StatelessRequest.CallToolAsync(_http, _second.Endpoint("/mcp"), _first.AdminKey, Tool, inputResponses: confirm.DeepClone().AsObject(), requestState: Tamper(state));
        var foreign = await StatelessRequest.CallToolAsync(_http, _foreign.Endpoint("/mcp"), _foreign.AdminKey, Tool, inputResponses: confirm.DeepClone().AsObject(), requestState: state);
        var otherTool = await StatelessRequest.CallToolAsync(_http, _second.Endpoint("/mcp"), _first.AdminKey, "everything__test_input_required_result_tampered_state", inputResponses: confirm.DeepClone().AsObject(), requestState: state);

        Assert.Equal("input_required", first.Result.GetProperty("resultType").GetString());
        Assert.Equal(HttpStatusCode.OK, honoured.Status);
        Assert.StartsWith("state-ok", honoured.Result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.All([tampered, foreign, otherTool], refused => Assert.Equal(-32602, refused.ErrorCode));
        Assert.Contains("integrity", tampered.Message.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // Flips one character of the sealed payload, keeping it well-formed base64url.
    private static string Tamper(string state)
    {
        string[] parts = state.Split('.');
        char[] payload = parts[2].ToCharArray();
        payload[^2] = payload[^2] == 'A' ? 'B' : 'A';
        parts[2] = new string(payload);
        return string.Join('.', parts);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _foreign.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_sharedDatabase)!, recursive: true);
    }

    /// <summary>A gateway on a database another replica uses too.</summary>
    private sealed class ReplicaGatewayServer(string databasePath) : GatewayServer
    {
        protected override string[] ExtraArguments => [$"--Storage:ConnectionString=Data Source={databasePath}"];
    }
}
