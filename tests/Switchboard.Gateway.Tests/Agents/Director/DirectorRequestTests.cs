using System.Text.Json.Nodes;
using Switchboard.Agents.Director;

namespace Switchboard.Gateway.Tests.Agents.Director;

/// <summary>A Director request as REST, MCP and the director step read it: bad input is refused saying what to send.</summary>
public sealed class DirectorRequestTests
{
    [Theory]
    [InlineData("""{"goal": "a", "plan": {"steps": [{"id": "x", "tool": "financial/pmt"}]}}""", "a goal or a plan")]
    [InlineData("""{}""", "a goal or a plan")]
    [InlineData("""{"goal": "a", "temperature": 2}""", "Unknown field 'temperature'")]
    [InlineData("""{"goal": ""}""", "'goal' is a non-empty string")]
    [InlineData("""{"plan": {"steps": []}}""", "The plan cannot be read")]
    [InlineData("""{"goal": "a", "maxReplans": 11}""", "'maxReplans' is a whole number from 0 to 10")]
    [InlineData("""{"goal": "a", "maxReplans": -1}""", "'maxReplans' is a whole number from 0 to 10")]
    [InlineData("""{"goal": "a", "budget": {"tokensIn": 0}}""", "'budget.tokensIn' is a whole number more than zero")]
    [InlineData("""{"goal": "a", "budget": {"wallTime": "5 minutes"}}""", "'budget.wallTime' is a duration")]
    [InlineData("""{"goal": "a", "budget": {"cost": 1}}""", "'budget' is")]
    [InlineData("""{"plan": {"steps": [{"id": "x", "tool": "financial/pmt", "wait": "5s"}]}}""", "The plan cannot be read: 'steps[0].wait' is not a member of 'steps[0]'; the members are: id, tool, arguments, agent, input, needs.")]
    [InlineData("""{"plan": {"steps": [{"id": "x", "tool": "financial/pmt", "retry": {"max_attempts": 3}}]}}""", "'steps[0].retry' is not a member")]
    [InlineData("""{"plan": {"steps": [{"id": "x", "Tool": "financial/pmt"}]}}""", "'steps[0].Tool' is not a member")]
    [InlineData("""{"plan": {"steps": {"id": "x"}}}""", "The plan cannot be read: 'steps' must be a list, each item an object with the members id, tool, arguments, agent, input, needs.")]
    [InlineData("""{"plan": {"steps": [{"id": "x", "tool": "financial/pmt", "needs": "y"}]}}""", "The plan cannot be read: 'steps[0].needs' must be a list of strings.")]
    [InlineData("""{"plan": {"steps": [{"id": "x", "tool": "a/b", "tool": "c/d"}]}}""", "The plan cannot be read: Duplicate property 'tool'")]
    public void FromJson_BadRequest_SaysWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => DirectorRequest.FromJson(JsonNode.Parse(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_ReadsWhatToJsonWrites()
    {
        var request = DirectorRequest.FromJson(JsonNode.Parse("""{"goal": "Pay it off", "provider": "gpt", "maxReplans": 0, "budget": {"tokensIn": 20, "wallTime": "90s"}}"""));

        var again = DirectorRequest.FromJson(request.ToJson());

        Assert.Equal("Pay it off", again.Goal);
        Assert.Equal("gpt", again.Provider);
        Assert.Equal(0, again.MaxReplans);
        Assert.Equal(20, again.Budget!.TokensIn);
        Assert.Equal(TimeSpan.FromSeconds(90), again.Budget.WallTime);
        Assert.Equal(50, again.Budget.ToolCalls); // left out: the default
    }
}
