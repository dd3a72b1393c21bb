namespace Switchboard.Gateway.Tests.Federation;

/// <summary>The in-process gateway with more configuration flags, e.g. a remote server; start it with <c>InitializeAsync</c>.</summary>
internal sealed class ConfiguredGateway(params string[] arguments) : GatewayServer
{
    protected override string[] ExtraArguments => arguments;
}
