using Switchboard.Text;

namespace Switchboard.Core.Tests.Text;

public sealed class PrintableTextTests
{
    [Theory]
    [InlineData("utilities__hash", "utilities__hash")]
    [InlineData("evil\nforged line", @"evil\nforged line")]
    [InlineData("tab\there\r", @"tab\there\r")]
    [InlineData("back\\slash", @"back\\slash")]
    [InlineData("bell\u0007 del\u007F c1\u0085", @"bell\u0007 del\u007F c1\u0085")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("name\u202Etxt.exe", @"name\u202Etxt.exe")]
    [InlineData("zero\u200Bwidth", @"zero\u200Bwidth")]
    [InlineData("café 日本 🙂", "café 日本 🙂")]
    public void Escape_WritesWhatAReaderCannotSeeAsEscapes_OnOneLine(string text, string expected) =>
        Assert.Equal(expected, PrintableText.Escape(text));

    [Fact]
    public void Escape_CutsLongText_WithoutSplittingASurrogatePair()
    {
        Assert.Equal("abc…", PrintableText.Escape("abcdef", maxLength: 3));
        Assert.Equal("ab…", PrintableText.Escape("ab🙂", maxLength: 3));
        Assert.Equal(@"\n\n…", PrintableText.Escape("\n\n\n", maxLength: 2));
    }

    [Fact]
    public void Escape_Null_IsNull() => Assert.Null(PrintableText.Escape(null));
}
