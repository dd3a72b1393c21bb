using System.Net;

namespace Switchboard.Upstreams.Discovery;

/// <summary>
/// Spreading one HTTP upstream over every address its host name resolves to (<c>Servers:{name}:Discovery</c>), as
/// for a Kubernetes headless Service whose name has one A record per pod. Off by default: the URL is connected as
/// the operating system resolves it, one address per connection.
/// </summary>
public sealed class DiscoverySettings
{
    private static readonly TimeSpan MinimumRefresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Resolve the URL's host to all its addresses and balance requests across them.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Fixed addresses (IPv4 or IPv6, no port) used instead of resolving the host, which is still sent as the
    /// <c>Host</c> header and TLS server name. For a static pool of replicas, and for tests.
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>How long one resolution of the host is used before it is resolved again.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an address that refused or dropped a connection is skipped while others remain.</summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether requests are balanced over several addresses: <see cref="Enabled"/>, or <see cref="Addresses"/> set.</summary>
    public bool IsActive => Enabled || Addresses.Count > 0;

    /// <summary>What is wrong with these settings of the server at <paramref name="key"/>.</summary>
    internal static IEnumerable<string> Problems(string key, UpstreamOptions upstream)
    {
        var discovery = upstream.Discovery;
        if (!discovery.IsActive)
        {
            yield break;
        }

        if (upstream.Url is null)
        {
            yield return $"{key}:Discovery applies to an HTTP upstream (Url) only.";
        }

        foreach (string address in discovery.Addresses)
        {
            if (!IPAddress.TryParse(address, out _))
            {
                yield return $"{key}:Discovery:Addresses has '{address}', which is not an IP address; give IPv4 or IPv6 addresses without a port.";
            }
        }

        if (discovery.RefreshInterval < MinimumRefresh)
        {
            yield return $"{key}:Discovery:RefreshInterval is {discovery.RefreshInterval}; set it to {MinimumRefresh} or more.";
        }

        if (discovery.FailureBackoff < MinimumBackoff)
        {
            yield return $"{key}:Discovery:FailureBackoff is {discovery.FailureBackoff}; set it to {MinimumBackoff} or more.";
        }
    }
}
