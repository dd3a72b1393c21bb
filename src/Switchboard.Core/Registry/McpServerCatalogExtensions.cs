using System.Reflection;
using ModelContextProtocol.Server;
using Switchboard.Tools;

namespace Switchboard.Registry;

/// <summary>Fills a catalog from a type's <c>[McpServerTool]</c>, <c>[McpServerResource]</c> and <c>[McpServerPrompt]</c> methods.</summary>
public static class McpServerCatalogExtensions
{
    private const BindingFlags PrimitiveMethods = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>Adds every attributed method of <paramref name="target"/>'s type, instance methods bound to <paramref name="target"/>.</summary>
    public static McpServerCatalog AddPrimitivesFrom<T>(this McpServerCatalog catalog, T target, IServiceProvider? services = null)
        where T : class =>
        catalog.AddPrimitivesFrom(typeof(T), target, services);

    /// <summary>
    /// Adds every attributed method of <paramref name="type"/>: static ones as they are, instance ones bound to
    /// <paramref name="target"/>. <paramref name="services"/> resolves tool parameters that come from DI. Return
    /// values are serialized with <see cref="ToolJson.Options"/>, so their text reads as the model expects, and tools'
    /// input schemas are made with <see cref="ToolJson.SchemaOptions"/>.
    /// </summary>
    public static McpServerCatalog AddPrimitivesFrom(this McpServerCatalog catalog, Type type, object? target = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(type);

        foreach (var method in type.GetMethods(PrimitiveMethods))
        {
            object? instance = method.IsStatic ? null : target
                ?? throw new ArgumentNullException(nameof(target), $"{type.Name}.{method.Name} is an instance method: pass the instance to bind it to.");

            if (method.IsDefined(typeof(McpServerToolAttribute)))
            {
                catalog.Tools.Add(McpServerTool.Create(method, instance, new McpServerToolCreateOptions { Services = services, SerializerOptions = ToolJson.Options, SchemaCreateOptions = ToolJson.SchemaOptions }));
            }
            else if (method.IsDefined(typeof(McpServerResourceAttribute)))
            {
                catalog.Resources.Add(McpServerResource.Create(method, instance, new McpServerResourceCreateOptions { Services = services, SerializerOptions = ToolJson.Options }));
            }
            else if (method.IsDefined(typeof(McpServerPromptAttribute)))
            {
                catalog.Prompts.Add(McpServerPrompt.Create(method, instance, new McpServerPromptCreateOptions { Services = services, SerializerOptions = ToolJson.Options }));
            }
        }

        return catalog;
    }
}
