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

    /// <summary>
    /// Runs each side's work (null skipped) on a thread of its own while <paramref name="main"/> runs on the caller's,
    /// and waits for all of them. A side's failure is rethrown, the first in the given order, replacing a failure of
    /// <paramref name="main"/> in flight; so the order sets which failure the caller reports.
    /// </summary>
    public static void RunBeside(Action main, params (string Name, Action? Work)[] sides)
    {
        var started = new List<SideThread>(sides.Length);
        foreach (var (name, work) in sides)
        {
            if (work is not null)
            {
                started.Add(Start(name, work));
            }
        }

        try
        {
            main();
        }
        finally
        {
            foreach (var side in started)
            {
                side._thread.Join();
            }

            foreach (var side in started)
            {
                side._failure?.Throw();
            }
        }
    }

    /// <summary>Waits for the work to end and rethrows its exception, if any.</summary>
    public void Join()
    {
        _thread.Join();
        _failure?.Throw();
    }
}
