using System.Text.Json;

namespace Switchboard.Servers.Utilities.Tests;

public sealed class ConvertToolsTests
{
    [Fact]
    public async Task Convert_YamlToJson_TypesPlainScalarsByCoreSchema()
    {
        await using var mcp = await Tools.ConnectAsync();
        const string yaml = """
            name: switchboard
            version: "1.0"
            port: 8080
            ratio: 0.75
            enabled: true
            missing: ~
            tags: [a, b]
            nested:
              - id: 1
              - id: 2
            """;
        var json = JsonElement.Parse(await mcp.TextAsync("data_convert", new { input = yaml, from = "yaml", to = "json" }));

        Assert.Equal("switchboard", json.GetProperty("name").GetString());
        Assert.Equal("1.0", json.GetProperty("version").GetString());
        Assert.Equal(8080, json.GetProperty("port").GetInt32());
        Assert.Equal(0.75m, json.GetProperty("ratio").GetDecimal());
        Assert.True(json.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("missing").ValueKind);
        Assert.Equal(2, json.GetProperty("tags").GetArrayLength());
        Assert.Equal(2, json.GetProperty("nested")[1].GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Convert_JsonToYamlAndBack_RoundTrips()
    {
        await using var mcp = await Tools.ConnectAsync();
        const string original = """{"s":"true","n":12,"d":1.5,"b":false,"z":null,"e":"","list":[1,"two",{"k":"v"}],"empty":{},"none":[],"multi":"line1\nline2"}""";

        string yaml = await mcp.TextAsync("data_convert", new { input = original, from = "json", to = "yaml" });
        Assert.Contains("s: \"true\"", yaml, StringComparison.Ordinal);
        string back = await mcp.TextAsync("data_convert", new { input = yaml, from = "yaml", to = "json" });

        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(original), JsonElement.Parse(back)), $"YAML was:\n{yaml}\nJSON back:\n{back}");
    }

    [Fact]
    public async Task Convert_CsvToJson_UsesHeaderAndInfersTypes()
    {
        await using var mcp = await Tools.ConnectAsync();
        const string csv = "id,name,price,active,zip\n1,\"Smith, J\",9.50,true,007\n2,Doe,10,false,90210\n";
        var rows = JsonElement.Parse(await mcp.TextAsync("data_convert", new { input = csv, from = "csv", to = "json" }));

        Assert.Equal(2, rows.GetArrayLength());
        Assert.Equal("Smith, J", rows[0].GetProperty("name").GetString());
        Assert.Equal(9.50m, rows[0].GetProperty("price").GetDecimal());
        Assert.True(rows[0].GetProperty("active").GetBoolean());
        Assert.Equal("007", rows[0].GetProperty("zip").GetString());
        Assert.Equal(90210, rows[1].GetProperty("zip").GetInt32());
    }

    [Fact]
    public async Task Convert_JsonToCsv_QuotesAndUnionsColumns()
    {
        await using var mcp = await Tools.ConnectAsync();
        string csv = await mcp.TextAsync("data_convert", new { input = """[{"a":1,"b":"x, y"},{"a":2,"c":{"d":true}}]""", from = "json", to = "csv" });
        Assert.Equal("a,b,c\n1,\"x, y\",\n2,,\"{\"\"d\"\":true}\"\n", csv);
    }

    [Fact]
    public async Task Convert_CsvSemicolonToYaml_Works()
    {
        await using var mcp = await Tools.ConnectAsync();
        string yaml = await mcp.TextAsync("data_convert", new { input = "k;v\na;1\n", from = "csv", to = "yaml", csvDelimiter = ";" });
        Assert.Equal("- k: a\n  v: 1\n", yaml.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Convert_InvalidYaml_ReturnsToolErrorWithLine()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("data_convert", new { input = "a: [1, 2\nb: 3", from = "yaml", to = "json" });
        Assert.Contains("not valid YAML at line", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_BillionLaughsYaml_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        var yaml = new System.Text.StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++)
        {
            string p = ((char)(c - 1)).ToString();
            yaml.Append(c).Append(": &").Append(c).Append(" [*").Append(p).Append(", *").Append(p).Append(", *").Append(p).Append(", *").Append(p).Append(", *").Append(p)
                .Append(", *").Append(p).Append(", *").Append(p).Append(", *").Append(p).Append(", *").Append(p).Append(", *").Append(p).Append("]\n");
        }

        string error = await mcp.ErrorAsync("data_convert", new { input = yaml.ToString(), from = "yaml", to = "json" });
        Assert.Contains("expands to more than", error, StringComparison.Ordinal);
    }

    // Few values, many bytes: one alias to a 100,000-character string used 1,000 times would be a 100 MB answer.
    [Fact]
    public async Task Convert_YamlAliasToALongStringUsedOften_ReturnsLimitError_WithoutBuildingIt()
    {
        await using var mcp = await Tools.ConnectAsync();
        string yaml = $"a: &a \"{new string('x', 100_000)}\"\nb: [{string.Join(", ", Enumerable.Repeat("*a", 1_000))}]\n";
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        string error = await mcp.ErrorAsync("data_convert", new { input = yaml, from = "yaml", to = "json" });

        Assert.Contains("expands to more than 4,194,304 characters", error, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore < 100_000_000, "the expansion was built before it was refused");
    }

    [Fact]
    public async Task Convert_DeeplyNestedYaml_ReturnsDepthError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string yaml = new string('[', 5000) + new string(']', 5000);
        Assert.Contains("nests deeper than 64", await mcp.ErrorAsync("data_convert", new { input = yaml, from = "yaml", to = "json" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_MultiDocumentYaml_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("more than one document", await mcp.ErrorAsync("data_convert", new { input = "a: 1\n---\nb: 2\n", from = "yaml", to = "json" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_ScalarJsonToCsv_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("array of objects", await mcp.ErrorAsync("data_convert", new { input = "42", from = "json", to = "csv" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_RaggedCsv_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("has 3 fields but the header has 2", await mcp.ErrorAsync("data_convert", new { input = "a,b\n1,2,3\n", from = "csv", to = "json" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_BadDelimiter_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'csvDelimiter' must be a single character", await mcp.ErrorAsync("data_convert", new { input = "a", from = "csv", to = "json", csvDelimiter = ",," }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_UndefinedNumberForFormat_ReturnsToolErrorListingNames()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("data_convert", new { input = "{\"a\":1}", from = -1, to = "yaml" });
        Assert.Contains("'from' must be one of 'json', 'yaml', 'csv'; got -1.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_OversizedInput_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("data_convert", new { input = new string(' ', 2 * 1024 * 1024), from = "json", to = "yaml" });
        Assert.Contains("the limit is 1,048,576", error, StringComparison.Ordinal);
    }
}
