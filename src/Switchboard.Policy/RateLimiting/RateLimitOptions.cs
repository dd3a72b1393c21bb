using Microsoft.Extensions.Options;

namespace Switchboard.Policy.RateLimiting;

/// <summary>
/// Limits on tool calls. Section <c>RateLimits</c>. A caller gets the most generous limits among its roles'
/// entries in <see cref="Roles"/>, or <see cref="Default"/> when none of its roles has one. A missing limit is no limit.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "RateLimits";

    /// <summary>All tool calls through this gateway, whoever makes them.</summary>
    public TokenBucket? Global { get; set; }

    /// <summary>Limits for callers whose roles have no entry in <see cref="Roles"/>.</summary>
    public RoleRateLimits Default { get; set; } = new()
    {
        PerPrincipal = new TokenBucket { Permits = 600, Period = TimeSpan.FromMinutes(1), Burst = 100 },
        PerPrincipalTool = new TokenBucket { Permits = 300, Period = TimeSpan.FromMinutes(1), Burst = 50 },
    };

    /// <summary>Limits by role name.</summary>
    public Dictionary<string, RoleRateLimits> Roles { get; } = new(StringComparer.Ordinal);

    /// <summary>The limits that apply to a caller with <paramref name="roles"/>.</summary>
    public RoleRateLimits LimitsFor(RoleSet roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        // Once per tool call: an indexed loop, and a list only for a caller whose roles have entries.
        List<RoleRateLimits>? configured = null;
        if (Roles.Count > 0)
        {
            var names = roles.Roles;
            for (int i = 0; i < names.Count; i++)
            {
                if (Roles.TryGetValue(names[i], out var limits) && limits is not null)
                {
                    (configured ??= []).Add(limits);
                }
            }
        }

        if (configured is null)
        {
            return Default;
        }

        // The most generous role wins; a role with no bucket for a scope means no limit there.
        return new RoleRateLimits
        {
            PerPrincipal = configured.Any(c => c.PerPrincipal is null) ? null : configured.MaxBy(c => c.PerPrincipal!.PerSecond)!.PerPrincipal,
            PerPrincipalTool = configured.Any(c => c.PerPrincipalTool is null) ? null : configured.MaxBy(c => c.PerPrincipalTool!.PerSecond)!.PerPrincipalTool,
        };
    }
}

/// <summary>The limits one role puts on each of its principals.</summary>
public sealed class RoleRateLimits
{
    /// <summary>All tool calls of one principal.</summary>
    public TokenBucket? PerPrincipal { get; set; }

    /// <summary>Calls of one principal to one tool.</summary>
    public TokenBucket? PerPrincipalTool { get; set; }
}

/// <summary>A token bucket: <see cref="Permits"/> tokens added every <see cref="Period"/>, holding at most <see cref="Burst"/>.</summary>
public sealed record TokenBucket
{
    /// <summary>Tokens added each period.</summary>
    public int Permits { get; init; }

    /// <summary>How often tokens are added.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The most tokens the bucket holds: the largest burst allowed after a quiet spell.</summary>
    public int Burst { get; init; }

    /// <summary>Sustained calls per second.</summary>
    public double PerSecond => Permits / Period.TotalSeconds;
}

/// <summary>Refuses buckets that could never admit a call or never refill.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check("RateLimits:Global", options.Global, failures);
        Check("RateLimits:Default:PerPrincipal", options.Default.PerPrincipal, failures);
        Check("RateLimits:Default:PerPrincipalTool", options.Default.PerPrincipalTool, failures);
        foreach (var (role, limits) in options.Roles)
        {
            Check($"RateLimits:Roles:{role}:PerPrincipal", limits.PerPrincipal, failures);
            Check($"RateLimits:Roles:{role}:PerPrincipalTool", limits.PerPrincipalTool, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(string path, TokenBucket? bucket, List<string> failures)
    {
        if (bucket is null)
        {
            return;
        }

        if (bucket.Permits < 1 || bucket.Burst < 1)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path} needs Permits and Burst of at least 1 (got Permits={bucket.Permits}, Burst={bucket.Burst}); remove the entry for no limit."));
        }

        if (bucket.Period <= TimeSpan.Zero)
        {
            failures.Add($"{path}:Period must be positive, e.g. 00:01:00.");
        }
    }
}
