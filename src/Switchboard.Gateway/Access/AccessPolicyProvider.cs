using Microsoft.Extensions.Options;
using Switchboard.Policy;

namespace Switchboard.Gateway.Access;

/// <summary>
/// The policy in force. Built once from <see cref="PolicyOptions"/> and rebuilt when they change, so permissions are
/// compiled off the hot path and every decision cached under the old policy is dropped with it.
/// </summary>
public sealed class AccessPolicyProvider : IDisposable
{
    private readonly IDisposable? _subscription;
    private AccessPolicy _current;

    /// <summary>Builds the policy and follows changes to <paramref name="options"/>.</summary>
    public AccessPolicyProvider(IOptionsMonitor<PolicyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _current = AccessPolicy.Create(options.CurrentValue);
        _subscription = options.OnChange(changed => Volatile.Write(ref _current, AccessPolicy.Create(changed)));
    }

    /// <summary>The policy to decide with now.</summary>
    public AccessPolicy Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();
}
