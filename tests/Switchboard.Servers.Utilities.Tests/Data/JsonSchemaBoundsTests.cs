using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using Switchboard.Servers.Utilities.Data;

namespace Switchboard.Servers.Utilities.Tests;

/// <summary>The schema library cannot be cancelled, so its work must be bounded before and while it runs.</summary>
[Collection(nameof(ProcessWideAllocations))]
public sealed class JsonSchemaBoundsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    // 29 levels, each referring twice to the one below: 2^29 evaluations of a 2 KB schema.
    private static string DoublingRefs(int levels, string rootKeyword = "$ref")
    {
        var defs = new JsonObject { ["l0"] = new JsonObject { ["type"] = "integer" } };
        for (int i = 1; i <= levels; i++)
        {
            defs["l" + i] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = $"#/$defs/l{i - 1}" }, new JsonObject { ["$ref"] = $"#/$defs/l{i - 1}" }) };
        }

        JsonNode top = new JsonObject { ["$ref"] = $"#/$defs/l{levels}" };
        return new JsonObject { ["$defs"] = defs, [rootKeyword] = rootKeyword == "$ref" ? $"#/$defs/l{levels}" : top }.ToJsonString();
    }

    [Fact]
    public async Task ExponentialRefs_AreRefusedBeforeRunning_WithoutAllocatingMuch()
    {
        await using var mcp = await Tools.ConnectAsync();
        long before = GC.GetTotalAllocatedBytes(precise: true);

        string error = await mcp.ErrorAsync("json_schema_validate", new { json = "1", schema = DoublingRefs(29) }).WaitAsync(Generous, TestContext.Current.CancellationToken);

        Assert.Contains("more than 100,000 subschema evaluations", error, StringComparison.Ordinal);
        // Unbounded, the evaluation allocates gigabytes in its first seconds, and goes on after the answer.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 200_000_000);
    }

    [Fact]
    public async Task ModestRefsApplied_ToEveryItem_AreRefusedWhenTheProductIsTooLarge()
    {
        await using var mcp = await Tools.ConnectAsync();
        string json = "[" + string.Join(",", Enumerable.Repeat("1", 1000)) + "]";

        string error = await mcp.ErrorAsync("json_schema_validate", new { json, schema = DoublingRefs(10, "items") });

        Assert.Contains("subschema evaluations", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdinarySchemas_OverLargeInstances_StillRun()
    {
        await using var mcp = await Tools.ConnectAsync();
        string schema = """
            { "$defs": { "node": { "type": "object", "properties": { "name": { "type": "string" }, "children": { "type": "array", "items": { "$ref": "#/$defs/node" } } }, "required": ["name"] } },
              "type": "array", "items": { "$ref": "#/$defs/node" } }
            """;
        string json = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"name":"n{{i}}","children":[{"name":"c"}]}""")) + "]";

        var result = await mcp.JsonAsync("json_schema_validate", new { json, schema });

        Assert.True(result.GetProperty("valid").GetBoolean());
    }

    [Theory]
    [InlineData("""{"pattern":"^(a+)+$"}""", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"")]
    [InlineData("""{"patternProperties":{"^(a+)+$":true}}""", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1}")]
    [InlineData("""{"propertyNames":{"pattern":"^(a+)+$"}}""", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1}")]
    public async Task CatastrophicPatterns_StopAtTheRegexTimeLimit(string schema, string json)
    {
        // Directly, not through the tool's 5 s deadline: the match itself must end, not merely be abandoned.
        var evaluation = Task.Run(() => JsonTools.Evaluate(JsonElement.Parse(json), JsonElement.Parse(schema)), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<McpException>(() => evaluation.WaitAsync(Generous, TestContext.Current.CancellationToken));

        Assert.Contains("'pattern' in the schema ran past its 1000 ms time limit", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// Tests that read the process's total allocated bytes run alone: a test of another class running beside them counts
/// too (one CI run measured 217 MB against the 200 MB bound while other classes ran).
/// </summary>
[CollectionDefinition(nameof(ProcessWideAllocations), DisableParallelization = true)]
public sealed class ProcessWideAllocations;
