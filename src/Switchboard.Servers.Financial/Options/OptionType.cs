using System.Text.Json.Serialization;

namespace Switchboard.Servers.Financial.Options;

/// <summary>The right a European option gives.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptionType>))]
public enum OptionType
{
    /// <summary>The right to buy at the strike.</summary>
    [JsonStringEnumMemberName("call")]
    Call,

    /// <summary>The right to sell at the strike.</summary>
    [JsonStringEnumMemberName("put")]
    Put,
}
