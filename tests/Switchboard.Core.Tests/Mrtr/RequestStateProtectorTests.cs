using System.Text.Json.Nodes;
using Switchboard.Mrtr;

namespace Switchboard.Core.Tests.Mrtr;

public sealed class RequestStateProtectorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ManualTime _time = new();
    private readonly Keys _keys = new();

    [Fact]
    public async Task SealedState_OpensForItsPurpose_WithItsData()
    {
        var protector = new RequestStateProtector(_keys, _time);

        string state = await protector.ProtectAsync("everything/tool", new JsonObject { ["name"] = "Ada" }, Ct);
        var opened = await protector.UnprotectAsync("everything/tool", state, Ct);

        Assert.True(opened.IsValid, opened.Problem);
        Assert.Equal("Ada", opened.Data!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task State_IsRefused_WhenAlteredForeignForAnotherPurposeOrExpired()
    {
        var protector = new RequestStateProtector(_keys, _time);
        string state = await protector.ProtectAsync("everything/tool", new JsonObject { ["round"] = 1 }, Ct);
        string[] parts = state.Split('.');
        string altered = string.Join('.', parts[0], parts[1], parts[2][..^1] + (parts[2][^1] == 'A' ? 'B' : 'A'), parts[3]);
        string foreign = await new RequestStateProtector(new Keys(), _time).ProtectAsync("everything/tool", null, Ct);

        var refusals = new[]
        {
            await protector.UnprotectAsync("everything/tool", altered, Ct),
            await protector.UnprotectAsync("everything/tool", state + "-TAMPERED", Ct),
            await protector.UnprotectAsync("everything/tool", foreign, Ct),
            await protector.UnprotectAsync("everything/other", state, Ct),
            await protector.UnprotectAsync("everything/tool", "not a state", Ct),
        };
        _time.Now += RequestStateProtector.Lifetime + TimeSpan.FromSeconds(1);
        var expired = await protector.UnprotectAsync("everything/tool", state, Ct);

        Assert.All(refusals, r => Assert.False(r.IsValid));
        Assert.Contains("altered", refusals[0].Problem, StringComparison.Ordinal);
        Assert.Contains("key", refusals[2].Problem, StringComparison.Ordinal);
        Assert.Contains("another request", refusals[3].Problem, StringComparison.Ordinal);
        Assert.False(expired.IsValid);
        Assert.Contains("expired", expired.Problem, StringComparison.Ordinal);
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 7, 28, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Keys : IRequestStateKeys
    {
        private readonly string _id = Guid.NewGuid().ToString("N");
        private readonly byte[] _key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

        public ValueTask<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken) => ValueTask.FromResult((_id, _key));

        public ValueTask<byte[]?> FindAsync(string id, CancellationToken cancellationToken) => ValueTask.FromResult(id == _id ? _key : null);
    }
}
