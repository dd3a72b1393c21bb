using System.Text.Json.Nodes;

namespace Switchboard.Access.Tests;

/// <summary>
/// The audit event's details are written straight to UTF-8; the text must stay exactly what the
/// <see cref="JsonObject"/> it replaces wrote, since the audit chain hashes it and readers parse it.
/// </summary>
public sealed class AuditDetailsTests
{
    public static TheoryData<string?, double> Details => new()
    {
        { "allowed by role 'agent' (tools:call **)", 0.123 },
        { "denied: no role of [a\\,b] grants 'tools:call x/\"y\"'", 12.5 },
        { "allowed by role 'ünïcødé <script>&' (tools:call srv/\u0001\n\u2028)", 0 },
        { "limit 'principal-tool'", 1e-7 },
        { null, 123456789.125 },
    };

    [Theory]
    [MemberData(nameof(Details))]
    public void Details_AreTheTextTheJsonObjectWrote(string? decision, double durationMs)
    {
        string expected = new JsonObject { ["decision"] = decision, ["durationMs"] = durationMs }.ToJsonString();

        Assert.Equal(expected, AuditDetails.Write(decision, durationMs, null));
    }

    [Fact]
    public void CapturedArguments_AreWrittenLast_AsTheObjectWroteThem()
    {
        string arguments = """{"path":"/tmp/<a>","n":[1,2.5,null,true],"secret":"[redacted]","é":{"x":"\u0007"}}""";
        var expected = new JsonObject { ["decision"] = "allowed", ["durationMs"] = 2.25 };
        expected["arguments"] = JsonNode.Parse(arguments);

        Assert.Equal(expected.ToJsonString(), AuditDetails.Write("allowed", 2.25, JsonNode.Parse(arguments)));
    }

    [Fact]
    public void ALargeCapture_IsWrittenWhole_AndTheNextEventIsNotDisturbed()
    {
        var large = new JsonObject { ["text"] = new string('x', 40_000) };

        string first = AuditDetails.Write("allowed", 1, large.DeepClone());
        string second = AuditDetails.Write("allowed", 1, null);

        Assert.Equal(new JsonObject { ["decision"] = "allowed", ["durationMs"] = 1.0, ["arguments"] = large }.ToJsonString(), first);
        Assert.Equal("""{"decision":"allowed","durationMs":1}""", second);
    }
}
