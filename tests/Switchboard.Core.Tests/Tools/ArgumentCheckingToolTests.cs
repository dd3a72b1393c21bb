using System.Text.Json;
using Switchboard.Tools;

namespace Switchboard.Core.Tests.Tools;

/// <summary>The argument check's verdicts, read from the schema's <c>type</c> without making strings of it.</summary>
public sealed class ArgumentCheckingToolTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "count": { "type": "integer", "description": "How many.", "minimum": 1, "maximum": 10 },
            "ratio": { "type": "number", "description": "A ratio" },
            "label": { "type": ["string", "null"], "description": "A label" },
            "day": { "type": "string", "format": "date", "description": "A day" },
            "flags": { "type": "array", "items": { "type": "boolean" }, "description": "Flags" },
            "odd": { "type": ["widget", null], "description": "Of a type this check does not know" },
            "nested": { "type": "object", "properties": { "inner": { "type": "integer" } }, "required": ["inner"], "description": "Nested" },
            "any": { "description": "Anything" }
          },
          "required": ["count"]
        }
        """).RootElement;

    [Fact]
    public void ValidArguments_HaveNoProblems_AndNoListIsMade()
    {
        var arguments = Arguments("""{"count":3,"ratio":0.5,"label":null,"day":"2026-11-28","flags":[true,false],"nested":{"inner":2},"any":[1]}""");

        Assert.Null(ArgumentCheckingTool.Check(Schema, arguments));
    }

    [Fact]
    public void NoArguments_ForASchemaWithoutRequiredOnes_HaveNoProblems()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"count":{"type":"integer"}}}""").RootElement;

        Assert.Null(ArgumentCheckingTool.Check(schema, null));
        Assert.Null(ArgumentCheckingTool.Check(schema, new Dictionary<string, JsonElement>()));
    }

    [Theory]
    [InlineData("""{}""", "'count' is required (How many).")]
    [InlineData("""{"count":1.5}""", "'count' must be a whole number; got 1.5 (How many).")]
    [InlineData("""{"count":11}""", "'count' must be at most 10; got 11 (How many).")]
    [InlineData("""{"count":1e308}""", "'count' must be at most 10; got 1e308 (How many).")]
    [InlineData("""{"count":1,"nested":{"inner":1e308}}""", "'nested' 'inner' is out of range; got 1e308 (see the tool's input schema). (Nested).")]
    [InlineData("""{"count":1,"nested":{"inner":1.0}}""", "'nested' 'inner' must be a whole number; got 1.0 (see the tool's input schema). (Nested).")]
    [InlineData("""{"count":"3"}""", "'count' must be an integer; got the string \"3\" (How many).")]
    [InlineData("""{"count":1,"ratio":true}""", "'ratio' must be a number; got the boolean true (A ratio).")]
    [InlineData("""{"count":1,"label":4}""", "'label' must be a string; got the number 4 (A label).")]
    [InlineData("""{"count":1,"day":"28/11/2026"}""", "'day' must be a calendar date written yyyy-MM-dd; got \"28/11/2026\" (A day).")]
    [InlineData("""{"count":1,"flags":[true,1]}""", "'flags' item 1 must be a boolean; got the number 1 (Flags).")]
    [InlineData("""{"count":1,"odd":"x"}""", "'odd' must be a widget or a ; got the string \"x\" (Of a type this check does not know).")]
    [InlineData("""{"count":1,"nested":{}}""", "'nested' 'inner' is required (see the tool's input schema). (Nested).")]
    [InlineData("""{"count":1,"colour":"red"}""", "'colour' is not an argument of this tool; its arguments are count, ratio, label, day, flags, odd, nested, any.")]
    public void InvalidArgument_IsNamedWithWhatItMustBe(string arguments, string problem)
    {
        var problems = ArgumentCheckingTool.Check(Schema, Arguments(arguments));

        Assert.NotNull(problems);
        Assert.Equal([problem], problems);
    }

    [Fact]
    public void ArgumentsOfAnotherDictionaryType_AreCheckedTheSame()
    {
        var arguments = new SortedDictionary<string, JsonElement>(Arguments("""{"count":0}"""), StringComparer.Ordinal);

        Assert.Equal(["'count' must be at least 1; got 0 (How many)."], ArgumentCheckingTool.Check(Schema, arguments));
    }

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
