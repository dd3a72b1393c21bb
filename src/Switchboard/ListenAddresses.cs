using Microsoft.Extensions.Options;

namespace Switchboard.Host;

/// <summary>
/// Checks the addresses Kestrel is to bind (<c>--urls</c>, the <c>urls</c> setting, <c>Kestrel:Endpoints:*:Url</c>)
/// before the host starts: a typo there is a setting to fix, said like every other, where Kestrel would end the
/// process with its own stack trace (an unparsable URL, a port beyond 65535).
/// </summary>
internal static class ListenAddresses
{
    public static void Validate(string? urls, IConfiguration configuration)
    {
        var failures = new List<string>();
        foreach (string url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Check("urls", url, failures);
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { } url)
            {
                Check($"Kestrel:Endpoints:{endpoint.Key}:Url", url, failures);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException("urls", typeof(string), failures);
        }
    }

    private static void Check(string setting, string url, List<string> failures)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            failures.Add($"{setting} has '{url}', which is not an address to listen on; give http://HOST:PORT (for example {SwitchboardHost.DefaultUrl}).");
            return;
        }

        if (!address.IsUnixPipe && !address.IsNamedPipe && address.Port is < 0 or > 65535)
        {
            failures.Add($"{setting} has '{url}', whose port {address.Port} is not between 0 and 65535.");
        }
    }
}
