using LibCni.Interop;
using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Kernel;

/// <summary>
/// One dedicated thread that enters a netns once and runs a sequence of calls there, each synchronously (the
/// caller waits): a plugin making several calls in the container netns starts one thread, not one per call
/// (<see cref="NetNamespace.Run{T}(SafeFileHandle, string, Func{T})"/>). Disposing ends the thread, which dies
/// with its namespace switch as every netns thread does.
/// </summary>
public sealed class NetnsSession : IDisposable
{
    private readonly object _gate = new();
    private readonly SafeFileHandle _netns;
    private readonly string _description;
    private Thread? _thread;
    private Func<object?>? _work;
    private object? _result;
    private ExceptionDispatchInfo? _failure;
    private bool _finished;
    private bool _closed;

    public NetnsSession(SafeFileHandle netns, string description)
    {
        _netns = netns;
        _description = description;
    }

    public T Run<T>(Func<T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_thread is null)
            {
                _thread = new Thread(Serve) { Name = "netns", IsBackground = true };
                _thread.Start();
            }

            _work = () => work();
            _finished = false;
            Monitor.PulseAll(_gate);
            while (!_finished)
            {
                Monitor.Wait(_gate);
            }

            var (result, failure) = (_result, _failure);
            (_result, _failure) = (null, null);
            failure?.Throw();
            return (T)result!;
        }
    }

    public void Run(Action work) => Run(() =>
    {
        work();
        return true;
    });

    private void Serve()
    {
        ExceptionDispatchInfo? entering = null;
        try
        {
            Libc.Check(Libc.SetNs(_netns, Libc.CLONE_NEWNET), $"setns({_description})");
        }
        catch (Exception e)
        {
            entering = ExceptionDispatchInfo.Capture(e);
        }

        while (true)
        {
            Func<object?> work;
            lock (_gate)
            {
                while (_work is null && !_closed)
                {
                    Monitor.Wait(_gate);
                }

                if (_work is null)
                {
                    return;
                }

                work = _work;
                _work = null;
            }

            object? result = null;
            var failure = entering;
            if (failure is null)
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            }

            lock (_gate)
            {
                (_result, _failure, _finished) = (result, failure, true);
                Monitor.PulseAll(_gate);
            }
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            _closed = true;
            thread = _thread;
            Monitor.PulseAll(_gate);
        }

        thread?.Join();
    }
}
