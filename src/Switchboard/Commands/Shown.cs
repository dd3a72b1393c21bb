using Switchboard.Text;

namespace Switchboard.Host.Commands;

/// <summary>
/// Stored text as the CLI prints it: whole (a listing is not a log line, so nothing is cut), with control and
/// invisible characters escaped (<see cref="PrintableText"/>) so that a name sent with a newline and tabs cannot
/// forge a row, and <c>-</c> for none.
/// </summary>
internal static class Shown
{
    public static string Text(string? value) => value is null ? "-" : PrintableText.Escape(value, maxLength: int.MaxValue)!;
}
