using System.Runtime.CompilerServices;

namespace Switchboard.Servers.Utilities.Tests;

/// <summary>Applies the settings the executable applies at startup, before the test runner builds any Regex.</summary>
internal static class ProductRuntimeSettings
{
    [ModuleInitializer]
    internal static void Apply() => RegexDefaults.Apply();
}
