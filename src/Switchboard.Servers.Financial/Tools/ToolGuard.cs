using ModelContextProtocol;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>
/// Turns a <see cref="FinancialException"/> into an <see cref="McpException"/>, which the SDK reports as a tool result
/// with <c>isError: true</c> carrying the message (any other exception would reach the model as a bare
/// "An error occurred invoking …", which it cannot act on).
/// </summary>
internal static class ToolGuard
{
    public static T Run<T>(Func<T> calculation)
    {
        try
        {
            return calculation();
        }
        catch (FinancialException exception)
        {
            throw new McpException(exception.Message, exception);
        }
        catch (OverflowException exception)
        {
            // Only decimal arithmetic throws it here; double overflows to infinity instead.
            throw new McpException("The result, or a step in computing it, is beyond the range of exact decimal arithmetic (about ±7.9e28); use smaller amounts.", exception);
        }
    }
}
