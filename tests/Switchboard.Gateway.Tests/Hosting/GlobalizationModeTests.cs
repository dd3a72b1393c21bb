using System.Globalization;
using System.Text.Json.Nodes;

namespace Switchboard.Gateway.Tests.Hosting;

/// <summary>
/// Tests prove something only under the product's runtime settings: a test host with ICU once passed while the
/// executable, in globalization-invariant mode, crashed a tool and skipped a sandbox check. The project reference
/// copies the executable's <c>switchboard.runtimeconfig.json</c> next to this assembly, so the two can be compared.
/// </summary>
public sealed class GlobalizationModeTests
{
    private const string Prefix = "System.Globalization.";

    [Fact]
    public void RuntimeConfig_GlobalizationSettings_AreTheSameForTestsAndTheExecutable()
    {
        var product = GlobalizationSettings("switchboard");
        var testHost = GlobalizationSettings(typeof(GlobalizationModeTests).Assembly.GetName().Name!);

        Assert.Contains(Prefix + "Invariant", product.Keys); // stated, not left to a default or DOTNET_ environment variables
        Assert.Equal(product, testHost);
    }

    [Fact]
    public void Executable_ShipsCultureData_AndTheTestHostHasIt()
    {
        Assert.Equal("false", GlobalizationSettings("switchboard")[Prefix + "Invariant"]);
        Assert.Equal(",", CultureInfo.GetCultureInfo("de-DE").NumberFormat.NumberDecimalSeparator);
        Assert.Equal("e\u0301", "\u00E9".Normalize(System.Text.NormalizationForm.FormD));
    }

    private static Dictionary<string, string> GlobalizationSettings(string assemblyName)
    {
        string file = Path.Combine(AppContext.BaseDirectory, assemblyName + ".runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(file))!["runtimeOptions"]!["configProperties"]?.AsObject() ?? [];
        return properties
            .Where(property => property.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(property => property.Key, property => property.Value!.ToJsonString(), StringComparer.Ordinal);
    }
}
