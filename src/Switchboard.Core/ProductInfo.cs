using System.Reflection;

namespace Switchboard;

/// <summary>What Switchboard reports about itself: <c>serverInfo</c>, <c>switchboard version</c>.</summary>
public static class ProductInfo
{
    /// <summary>The product name clients see as <c>serverInfo.title</c>.</summary>
    public const string Title = "Switchboard";

    /// <summary>The release version, without source-control metadata.</summary>
    public static string Version { get; } =
        typeof(ProductInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
