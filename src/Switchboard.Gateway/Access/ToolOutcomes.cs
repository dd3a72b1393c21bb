using Switchboard.Access;

namespace Switchboard.Gateway.Access;

/// <summary>The <c>outcome</c> label of <c>switchboard.tool.call.duration</c> (docs/observability.md).</summary>
internal static class ToolOutcomes
{
    public const string Ok = "ok";
    public const string Error = "error";
    public const string Denied = "denied";
    public const string RateLimited = "rate_limited";
    public const string Failed = "failed";
    public const string StorageUnavailable = "storage_unavailable";
    public const string UpstreamUnavailable = "upstream_unavailable";

    public static string Of(AccessOutcome refusal) => refusal switch
    {
        AccessOutcome.RateLimited => RateLimited,
        AccessOutcome.StorageUnavailable => StorageUnavailable,
        _ => Denied,
    };
}
