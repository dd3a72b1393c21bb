namespace Switchboard.Policy.Tests;

public class PermissionTests
{
    [Theory]
    [InlineData("tools:call filesystem/read_*", "tools:call", "filesystem/read_file", true)]
    [InlineData("tools:call filesystem/read_*", "tools:call", "filesystem/read_text_file", true)]
    [InlineData("tools:call filesystem/read_*", "tools:call", "filesystem/write_file", false)]
    [InlineData("tools:call filesystem/read_*", "tools:call", "other/read_file", false)]
    [InlineData("tools:call filesystem/read_*", "resources:read", "filesystem/read_file", false)]
    [InlineData("tools:call */*", "tools:call", "financial/pmt", true)]
    [InlineData("tools:call", "tools:call", "financial/pmt", true)]
    [InlineData("tools:*", "tools:call", "financial/pmt", true)]
    [InlineData("*", "admin:keys", null, true)]
    [InlineData("resources:read everything/test://*", "resources:read", "everything/test://static-text", true)]
    [InlineData("resources:read everything/test://*", "resources:read", "everything/test://template/1/data", false)]
    [InlineData("resources:read everything/test://**", "resources:read", "everything/test://template/1/data", true)]
    [InlineData("tools:call financial/?mt", "tools:call", "financial/pmt", true)]
    [InlineData("tools:call financial/?mt", "tools:call", "financial/ppmt", false)]
    [InlineData("tools:call a.b/c", "tools:call", "aXb/c", false)]
    [InlineData("tools:call filesystem/read_*", "tools:call", null, false)]
    public void Grants_MatchesActionAndScopeGlobs(string permission, string action, string? scope, bool expected) =>
        Assert.Equal(expected, Permission.Parse(permission).Grants(action, scope));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("call filesystem/*")]
    [InlineData("tools:call a/b extra")]
    public void TryParse_Malformed_ExplainsTheForm(string text)
    {
        Assert.False(Permission.TryParse(text, out _, out var error));
        Assert.Contains("tools:call", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tools:list financial/*", "tools:list")]
    [InlineData("tool:call", "tool:call")]
    [InlineData("admin:everything", "admin:everything")]
    public void TryParse_ActionMatchingNoAction_ListsTheValidActions(string text, string action)
    {
        Assert.False(Permission.TryParse(text, out _, out var error));
        Assert.Contains($"'{action}' is not an action", error, StringComparison.Ordinal);
        Assert.All(Actions.All, valid => Assert.Contains(valid, error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("tools:*")]
    [InlineData("admin:*")]
    [InlineData("*:read")]
    [InlineData("resources:read everything/**")]
    public void TryParse_ActionGlobMatchingSomeAction_IsAccepted(string text) =>
        Assert.True(Permission.TryParse(text, out _, out var error), error);

    [Theory]
    [InlineData("tools:call financial/pmt", "financial/pmt\n")]
    [InlineData("tools:call financial/pmt", "financial/pmt\r\n")]
    public void Grants_ScopeWithATrailingNewline_IsNotTheScope(string permission, string scope) =>
        Assert.False(Permission.Parse(permission).Grants(Actions.CallTool, scope));
}
