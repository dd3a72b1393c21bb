using Switchboard.Testing;

namespace Switchboard.Servers.Utilities.Tests;

/// <summary>
/// What needs ICU and tzdata (culture names, Windows zone ids, accents) works, and what is machine text (numbers in
/// errors, JSON in answers) reads the same whatever the host's culture.
/// </summary>
public sealed class CultureIndependenceTests
{
    [Theory]
    [InlineData("en-US", "Sunday, March 10, 2024")]
    [InlineData("de-DE", "Sonntag, 10. März 2024")]
    [InlineData("fr-FR", "dimanche 10 mars 2024")]
    public async Task TimeFormat_NamedCulture_UsesItsNames(string culture, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(expected, await mcp.TextAsync("time_format", new { timestamp = "2024-03-10T12:34:56Z", format = "D", culture }));
    }

    [Fact]
    public async Task TimeFormat_UnknownCulture_NamesExamples()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_format", new { timestamp = "2024-03-10", format = "D", culture = "xx-NOPE" });
        Assert.Contains("Unknown culture 'xx-NOPE'", error, StringComparison.Ordinal);
        Assert.Contains("'en-US', 'fr-FR', 'de-DE'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("W. Europe Standard Time", "2024-07-01T11:00:00+02:00")]
    [InlineData("Tokyo Standard Time", "2024-07-01T18:00:00+09:00")]
    [InlineData("Eastern Standard Time", "2024-07-01T05:00:00-04:00")]
    [InlineData("Asia/Kolkata", "2024-07-01T14:30:00+05:30")]
    public async Task TimeConvert_IanaOrWindowsZoneId_Converts(string toTimeZone, string local)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_convert", new { timestamp = "2024-07-01T09:00:00Z", toTimeZone });
        Assert.Equal(local, result.GetProperty("local").GetString());
    }

    [Fact]
    public async Task TimeNow_JsonText_LeavesPlusSignsUnescaped()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.CallAsync("time_now", new { timeZone = "Asia/Kolkata" });
        string text = Tools.Text(result);
        Assert.Contains("\"utcOffset\":\"+05:30\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataConvert_CsvWithNestedJson_LeavesCharactersUnescaped()
    {
        await using var mcp = await Tools.ConnectAsync();
        string csv = await mcp.TextAsync("data_convert", new { input = """[{"dish":{"name":"Crème brûlée","tags":["a+b","<c>"]}}]""", from = "json", to = "csv" });
        Assert.Equal("dish\n\"{\"\"name\"\":\"\"Crème brûlée\"\",\"\"tags\"\":[\"\"a+b\"\",\"\"<c>\"\"]}\"\n", csv);
    }

    [Fact]
    public async Task ErrorText_UnderGermanCulture_GroupsDigitsWithCommas()
    {
        using var german = CultureScope.Use("de-DE");
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("text_count", new { text = new string('a', 1_100_000) });
        Assert.Contains("is 1,100,000 characters long; the limit is 1,048,576.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slugify_UnderTurkishCulture_FoldsDottedAndDotlessI()
    {
        using var turkish = CultureScope.Use("tr-TR");
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("istanbul-izmir-crepe", await mcp.TextAsync("slugify", new { text = "İSTANBUL IZMIR Crêpe" }));
    }
}
