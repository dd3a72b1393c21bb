namespace Switchboard.Admission;

/// <summary>
/// A request's place among those the gateway works on at once (its admission, <c>Gateway:Admission</c>), given back
/// once: when the request ends, when it has held it too long, or when the request is about to wait on something
/// outside this process. Code about to forward to an upstream server or to call a model calls <see cref="GiveBack"/>:
/// that wait costs this process nothing, so the place goes to the next request rather than staying taken while
/// nothing is done.
/// </summary>
public sealed class AdmissionPlace(SemaphoreSlim places)
{
    private static readonly AsyncLocal<AdmissionPlace?> s_current = new();
    private int _released;

    /// <summary>The place of the request this code runs for; null outside a request, or with admission off.</summary>
    public static AdmissionPlace? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>Gives back the current request's place, if it holds one: it is about to wait on something outside this process.</summary>
    public static void GiveBack() => s_current.Value?.Release();

    /// <summary>Returns the place to the others; only the first call does.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            places.Release();
        }
    }
}
