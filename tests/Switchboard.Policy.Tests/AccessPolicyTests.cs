using Microsoft.Extensions.Options;

namespace Switchboard.Policy.Tests;

public class AccessPolicyTests
{
    private static readonly AccessPolicy Policy = AccessPolicy.Create(Custom(("reader", ["tools:call filesystem/read_*", "tools:call filesystem/list_*"])));

    public static TheoryData<string, string, string?, bool> Matrix() => new()
    {
        { BuiltInRoles.Admin, Actions.ManageKeys, null, true },
        { BuiltInRoles.Admin, Actions.CallTool, "filesystem/write_file", true },
        { BuiltInRoles.Operator, Actions.CallTool, "filesystem/write_file", true },
        { BuiltInRoles.Operator, Actions.ManageKeys, null, false },
        { BuiltInRoles.Operator, Actions.ReadAudit, null, true },
        { BuiltInRoles.Operator, Actions.ManageServers, null, true },
        { BuiltInRoles.Admin, Actions.RunCommands, null, true },
        { BuiltInRoles.Operator, Actions.RunCommands, null, false },
        { BuiltInRoles.Agent, Actions.CallTool, "financial/pmt", true },
        { BuiltInRoles.Agent, Actions.GetPrompt, "everything/test_simple_prompt", true },
        { BuiltInRoles.Agent, Actions.ReadAudit, null, false },
        { BuiltInRoles.Agent, Actions.ManageKeys, null, false },
        { BuiltInRoles.Viewer, Actions.CallTool, "financial/pmt", false },
        { BuiltInRoles.Viewer, Actions.ReadResource, "everything/test://static-text", true },
        { "reader", Actions.CallTool, "filesystem/read_text_file", true },
        { "reader", Actions.CallTool, "filesystem/list_directory", true },
        { "reader", Actions.CallTool, "filesystem/write_file", false },
        { "reader", Actions.CallTool, "financial/pmt", false },
        { "no-such-role", Actions.CallTool, "financial/pmt", false },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Decide_FollowsTheRoleMatrix(string role, string action, string? scope, bool allowed) =>
        Assert.Equal(allowed, Policy.Decide(new RoleSet([role]), action, scope).Allowed);

    [Fact]
    public void Decide_NoRoles_DeniesEverything()
    {
        var decision = Policy.Decide(new RoleSet([]), Actions.CallTool, "financial/pmt");

        Assert.False(decision.Allowed);
        Assert.Contains("(no roles)", decision.Describe(new RoleSet([]), Actions.CallTool, "financial/pmt"), StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Allowed_NamesTheRoleAndPermissionThatGranted()
    {
        var decision = Policy.Decide(new RoleSet(["viewer", "reader"]), Actions.CallTool, "filesystem/read_file");

        Assert.Equal(new PolicyDecision(true, "reader", "tools:call filesystem/read_*"), decision);
    }

    [Fact]
    public void Describe_Allowed_SaysWhichRoleAndPermission_Denied_WhatWasAsked()
    {
        var roles = new RoleSet(["viewer", "reader"]);
        var allowed = Policy.Decide(roles, Actions.CallTool, "filesystem/read_file");
        var denied = Policy.Decide(roles, Actions.CallTool, "financial/pmt");

        Assert.Equal("allowed by role 'reader' (tools:call filesystem/read_*)", allowed.Describe(roles, Actions.CallTool, "filesystem/read_file"));
        Assert.Equal("allowed by role 'r' (p)", new PolicyDecision(true, "r", "p").Describe(roles, Actions.CallTool, null));
        Assert.Equal("denied: no role of [reader,viewer] grants 'tools:call financial/pmt'", denied.Describe(roles, Actions.CallTool, "financial/pmt"));
        Assert.Equal(default, new PolicyDecision(false, null, null));
    }

    [Fact]
    public void Decide_RepeatedQuestion_GivesTheSameAnswerFromCache()
    {
        var roles = new RoleSet(["reader"]);
        var first = Policy.Decide(roles, Actions.CallTool, "filesystem/read_file");
        var second = Policy.Decide(new RoleSet(["reader", "reader"]), Actions.CallTool, "filesystem/read_file");

        Assert.Equal(first, second);
    }

    [Fact]
    public void RoleSet_IgnoresOrderAndDuplicates() =>
        Assert.Equal(new RoleSet(["b", "a", "a"]), new RoleSet(["a", "b"]));

    [Theory]
    [InlineData(new[] { "admin,viewer" }, new[] { "admin", "viewer" })]
    [InlineData(new[] { "a,b", "c" }, new[] { "a", "b,c" })]
    [InlineData(new[] { "a\\", "b" }, new[] { "a\\,b" })]
    [InlineData(new[] { "a\\,b" }, new[] { "a\\", "b" })]
    [InlineData(new[] { "a\\,", "b" }, new[] { "a", "\\,b" })]
    public void RoleSet_DifferentSets_NeverShareAKey(string[] one, string[] other)
    {
        Assert.NotEqual(new RoleSet(one).Key, new RoleSet(other).Key);
        Assert.NotEqual(new RoleSet(one), new RoleSet(other));
    }

    [Fact]
    public void Decide_RoleNamedLikeTwoRoles_NeverSharesTheirCachedDecision()
    {
        // The attack: a token whose single role is "admin,viewer", asking before and after a real admin.
        var policy = AccessPolicy.Create();
        var forged = new RoleSet(["admin,viewer"]);
        var admin = new RoleSet([BuiltInRoles.Admin, BuiltInRoles.Viewer]);

        var forgedFirst = policy.Decide(forged, Actions.ManageKeys);
        var adminAfter = policy.Decide(admin, Actions.ManageKeys);
        var forgedAfter = policy.Decide(forged, Actions.ManageKeys);

        Assert.False(forgedFirst.Allowed);
        Assert.True(adminAfter.Allowed);
        Assert.False(forgedAfter.Allowed);
    }

    [Fact]
    public void Validator_CustomRoleRedefiningABuiltIn_IsRefused()
    {
        var result = new PolicyOptionsValidator().Validate(null, Custom(("admin", ["tools:call"])));

        Assert.True(result.Failed);
        Assert.Contains("redefines the built-in role 'admin'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_BadPermission_NamesTheRole()
    {
        var result = new PolicyOptionsValidator().Validate(null, Custom(("broken", ["call everything"])));

        Assert.True(result.Failed);
        Assert.Contains("Policy:Roles:broken", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_UnknownAction_NamesTheRoleAndListsTheValidActions()
    {
        var result = new PolicyOptionsValidator().Validate(null, Custom(("lister", ["tools:list financial/*"])));

        Assert.True(result.Failed);
        Assert.Contains("Policy:Roles:lister: 'tools:list' is not an action", result.FailureMessage, StringComparison.Ordinal);
        Assert.All(Actions.All, action => Assert.Contains(action, result.FailureMessage, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_GoodCustomRoles_Pass() =>
        Assert.Equal(ValidateOptionsResult.Success, new PolicyOptionsValidator().Validate(null, Custom(("reader", ["tools:call filesystem/read_*"]))));

    public static TheoryData<string[], string[], string?> HandOuts() => new()
    {
        // holder's roles, roles handed out, the first permission not held (null: all held)
        { [BuiltInRoles.Admin], [BuiltInRoles.Admin, BuiltInRoles.Operator, "reader"], null },
        { [BuiltInRoles.Operator], [BuiltInRoles.Agent, BuiltInRoles.Viewer], null },
        { [BuiltInRoles.Operator], [BuiltInRoles.Admin], "*" },
        { ["key-manager"], ["key-manager"], null },
        { ["key-manager"], [BuiltInRoles.Agent], "tools:call" },
        { ["key-manager", BuiltInRoles.Agent], [BuiltInRoles.Operator], "admin:servers" },
        { ["filesystem-all"], ["reader"], null },
        { ["filesystem-segment"], ["reader"], null },
        { ["reader"], ["filesystem-all"], "tools:call filesystem/**" },
        { ["filesystem-segment"], ["filesystem-all"], "tools:call filesystem/**" },
        { ["filesystem-one"], ["filesystem-any-one"], "tools:call filesystem/?" },
        { [BuiltInRoles.Agent], ["everything-actions"], "* filesystem/**" },
        { [BuiltInRoles.Viewer], ["no-such-role"], null },
    };

    [Theory]
    [MemberData(nameof(HandOuts))]
    public void FirstPermissionNotHeld_HoldingEveryPermissionIsWhatLetsOneHandRolesOut(string[] holder, string[] roles, string? missing)
    {
        var policy = AccessPolicy.Create(Custom(
            ("reader", ["tools:call filesystem/read_*", "tools:call filesystem/list_*"]),
            ("key-manager", ["admin:keys"]),
            ("filesystem-all", ["tools:call filesystem/**"]),
            ("filesystem-segment", ["tools:call filesystem/*"]),
            ("filesystem-one", ["tools:call filesystem/a"]),
            ("filesystem-any-one", ["tools:call filesystem/?"]),
            ("everything-actions", ["* filesystem/**"])));

        Assert.Equal(missing, policy.FirstPermissionNotHeld(new RoleSet(holder), roles)?.Permission);
    }

    private static PolicyOptions Custom(params (string Name, string[] Permissions)[] roles)
    {
        var options = new PolicyOptions();
        foreach (var (name, permissions) in roles)
        {
            options.Roles[name] = [.. permissions];
        }

        return options;
    }
}
