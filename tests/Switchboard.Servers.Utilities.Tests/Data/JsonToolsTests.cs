namespace Switchboard.Servers.Utilities.Tests;

public sealed class JsonToolsTests
{
    // Stefan Goessner's JSONPath article example document (goessner.net/articles/JsonPath).
    private const string Store = """
        { "store": {
            "book": [
              { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
              { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
              { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
              { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
            ],
            "bicycle": { "color": "red", "price": 19.95 }
          }
        }
        """;

    [Fact]
    public async Task JsonQuery_Wildcard_ReturnsAllAuthors()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_query", new { json = Store, path = "$.store.book[*].author" });

        Assert.Equal(4, result.GetProperty("count").GetInt32());
        Assert.Equal(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"], result.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("value").GetString()));
        Assert.Equal("$.store.book[0].author", result.GetProperty("matches")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task JsonQuery_PathsOfArrayElements_HaveNoDotAfterRoot()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_query", new { json = """[[1, 2], {"a b": [3]}]""", path = "$..*" });
        var paths = result.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("path").GetString()!);
        Assert.Equal(["$", "$[0]", "$[0][0]", "$[0][1]", "$[1]", "$[1]['a b']", "$[1]['a b'][0]"], paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JsonQuery_NumberBeyondDoublePrecision_ReturnsToolErrorInsteadOfInfinityText()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("json_query", new { json = """{"big": [1, -1e400]}""", path = "$" });
        Assert.Contains("beyond double precision", error, StringComparison.Ordinal);
        Assert.Contains("$.big[1]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_Filter_SelectsCheapBooks()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_query", new { json = Store, path = "$..book[?(@.price < 10)].title" });
        Assert.Equal(["Sayings of the Century", "Moby Dick"], result.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task JsonQuery_NoMatch_ReturnsEmpty()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_query", new { json = Store, path = "$.store.car" });
        Assert.Equal(0, result.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task JsonQuery_InvalidPath_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a valid JSONPath", await mcp.ErrorAsync("json_query", new { json = Store, path = "$.store.book[?(@.price <" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_InvalidJson_ReturnsToolErrorWithPosition()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("json_query", new { json = "{\"a\": [1, 2,, 3]}", path = "$.a" });
        Assert.Contains("not valid JSON at line 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_OversizedDocument_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string huge = "[" + string.Join(',', Enumerable.Repeat("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", 40_000)) + "]";
        string error = await mcp.ErrorAsync("json_query", new { json = huge, path = "$[*]" });
        Assert.Contains("the limit is 1,048,576", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_TooDeep_ReturnsDepthError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string deep = new string('[', 200) + new string(']', 200);
        Assert.Contains("not valid JSON", await mcp.ErrorAsync("json_query", new { json = deep, path = "$" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_ManyMatches_Truncated()
    {
        await using var mcp = await Tools.ConnectAsync();
        string json = "[" + string.Join(',', Enumerable.Range(0, 1500)) + "]";
        var result = await mcp.JsonAsync("json_query", new { json, path = "$[*]" });
        Assert.Equal(1000, result.GetProperty("count").GetInt32());
        Assert.True(result.GetProperty("truncated").GetBoolean());
    }

    [Theory]
    [InlineData("$[99999999999999999999999]")]
    [InlineData("$[-9223372036854775808]")]
    [InlineData("$[0:9223372036854775807:1]")]
    public async Task JsonQuery_IndexBeyondInt32_ReturnsPathError(string path)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("json_query", new { json = "[1,2,3]", path });
        Assert.Contains("'path'", error, StringComparison.Ordinal);
        Assert.Contains("2147483647", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(60, "$")]
    [InlineData(63, "$..*")]
    public async Task JsonQuery_MatchTooDeepToReturn_ReturnsDepthError(int depth, string path)
    {
        await using var mcp = await Tools.ConnectAsync();
        string deep = new string('[', depth) + new string(']', depth);
        string error = await mcp.ErrorAsync("json_query", new { json = deep, path });
        Assert.Contains("nests deeper than 59 levels", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonQuery_MatchAtDepthLimit_IsReturned()
    {
        await using var mcp = await Tools.ConnectAsync();
        string deep = new string('[', 59) + new string(']', 59);
        var result = await mcp.JsonAsync("json_query", new { json = deep, path = "$" });
        Assert.Equal(1, result.GetProperty("count").GetInt32());
    }

    private const string PersonSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "name": { "type": "string", "minLength": 1 },
            "age": { "type": "integer", "minimum": 0 }
          },
          "required": ["name"]
        }
        """;

    [Fact]
    public async Task JsonSchema_ValidInstance_IsValid()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_schema_validate", new { json = """{"name":"Ada","age":36}""", schema = PersonSchema });
        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal(0, result.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task JsonSchema_InvalidInstance_ListsFailuresWithLocations()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("json_schema_validate", new { json = """{"age":-1}""", schema = PersonSchema });

        Assert.False(result.GetProperty("valid").GetBoolean());
        var errors = result.GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("instanceLocation").GetString() == "/age" && e.GetProperty("keywordLocation").GetString()!.EndsWith("minimum", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.GetProperty("keywordLocation").GetString()!.EndsWith("required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonSchema_MalformedSchema_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'schema' is not valid JSON", await mcp.ErrorAsync("json_schema_validate", new { json = "{}", schema = "{\"type\": " }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonSchema_InvalidKeywordValue_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a valid JSON Schema", await mcp.ErrorAsync("json_schema_validate", new { json = "{}", schema = """{"type": 12}""" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonSchema_CatastrophicPattern_ReturnsTimeoutError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string schema = """{"type":"string","pattern":"^(x+x+)+y$"}""";
        string json = "\"" + new string('x', 64) + "\"";
        string error = await mcp.ErrorAsync("json_schema_validate", new { json, schema });
        Assert.Contains("limit", error, StringComparison.Ordinal);
    }
}
