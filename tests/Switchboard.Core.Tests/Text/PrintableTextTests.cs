using Switchboard.Text;

namespace Switchboard.Core.Tests.Text;

public class PrintableTextTests
{
    [Theory]
    [InlineData("utilities/uuid_v4", "utilities/uuid_v4")]
    [InlineData("", "")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("col\tcol", @"col\tcol")]
    [InlineData("\u001B[2Jcleared", @"\u001B[2Jcleared")]
    [InlineData("nul\0", @"nul\u0000")]
    [InlineData("del\u007F", @"del\u007F")]
    [InlineData("c1\u0085next-line", @"c1\u0085next-line")]
    [InlineData("line\u2028separator", @"line\u2028separator")]
    [InlineData("evil\u202Etxt.exe", @"evil\u202Etxt.exe")]
    [InlineData(@"already \n literal", @"already \n literal")]
    [InlineData("ünïcode ✓ 日本", "ünïcode ✓ 日本")]
    public void Escape_WritesControlCharactersVisibly_AndKeepsEverythingElse(string text, string expected) =>
        Assert.Equal(expected, PrintableText.Escape(text));

    [Fact]
    public void Escape_ForgedAuditLine_StaysOnOneLineWithOneColumn()
    {
        string forged = "utilities/x\n2\t2026-01-01T00:00:00Z\tadmin\tkeys.revoke\tsbk_AAAAAAAAAAAA\tok";

        string shown = PrintableText.Escape(forged);

        Assert.DoesNotContain('\n', shown);
        Assert.DoesNotContain('\t', shown);
        Assert.Contains(@"\n2\t2026", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Escape_TextWithoutControlCharacters_IsReturnedAsIs() =>
        Assert.Same("plain text", PrintableText.Escape("plain text"));
}
