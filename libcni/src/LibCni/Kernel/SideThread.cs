using System.Runtime.ExceptionServices;

namespace LibCni.Kernel;

/// <summary>
/// Work started on a thread of its own (never the thread pool) so the caller can do something else meanwhile,
/// then joined: <see cref="Join"/> waits for it and rethrows what it threw.
/// </summary>
public sealed class SideThread
{
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    private SideThread(string name, Action work)
    {
        _thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
    }

    public static SideThread Start(string name, Action work)
    {
        var side = new SideThread(name, work);
        side._thread.Start();
        return side;
    }

    /// <summary>Waits for the work to end and rethrows its exception, if any.</summary>
    public void Join()
    {
        _thread.Join();
        _failure?.Throw();
    }
}
