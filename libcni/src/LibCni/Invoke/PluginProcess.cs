using System.Runtime.InteropServices;
using LibCni.Interop;
using LibCni.Kernel;

namespace LibCni.Invoke;

/// <summary>How a plugin process ended: an exit code, or the signal that killed it.</summary>
/// <param name="ExitCode">The exit code (0 when a signal ended it).</param>
/// <param name="Signal">The signal number that killed it, or 0.</param>
public readonly record struct ProcessExit(int ExitCode, int Signal)
{
    /// <summary>Exit code 0 and no signal.</summary>
    public bool Success => ExitCode == 0 && Signal == 0;

    /// <summary>Go's <c>os/exec</c> text: <c>exit status 3</c>, <c>signal: killed</c>.</summary>
    public override string ToString() => Signal != 0 ? $"signal: {SignalName(Signal)}" : $"exit status {ExitCode}";

    private static string SignalName(int signal) => signal switch
    {
        1 => "hangup",
        2 => "interrupt",
        3 => "quit",
        4 => "illegal instruction",
        6 => "aborted",
        7 => "bus error",
        8 => "floating point exception",
        9 => "killed",
        11 => "segmentation fault",
        13 => "broken pipe",
        14 => "alarm clock",
        15 => "terminated",
        _ => $"signal {signal}",
    };
}

/// <summary>What a finished process printed and how it ended.</summary>
public sealed record ProcessOutput(ProcessExit Exit, byte[] Stdout, byte[] Stderr);

/// <summary>
/// The one launcher of plugin processes: posix_spawn with stdin, stdout and stderr on pipes, all three served
/// by poll(2) on the calling thread (no thread-pool readers, no SIGCHLD watcher), and wait4 for the status.
/// System.Diagnostics.Process would start a dozen threads in a plugin that lives a few milliseconds.
/// </summary>
public static class PluginProcess
{
    private const int ChunkSize = 16 * 1024;

    /// <summary>
    /// Runs <paramref name="path"/> with exactly <paramref name="environment"/> and <paramref name="stdin"/>, and
    /// returns when it has exited and both output pipes are closed. A cancellable token puts the child in a
    /// process group of its own, which is killed (SIGKILL) when the token fires.
    /// </summary>
    /// <exception cref="ErrnoException">The program could not be started (errno of the exec, e.g. ENOENT, EACCES, ETXTBSY).</exception>
    /// <exception cref="OperationCanceledException">The token fired; the process group was killed and reaped.</exception>
    public static ProcessOutput Run(string path, IEnumerable<KeyValuePair<string, string>> environment, ReadOnlySpan<byte> stdin, CancellationToken cancellationToken = default) =>
        Run(path, [], environment, stdin, cancellationToken);

    /// <summary><see cref="Run(string, IEnumerable{KeyValuePair{string, string}}, ReadOnlySpan{byte}, CancellationToken)"/> with <paramref name="arguments"/> after argv[0].</summary>
    public static unsafe ProcessOutput Run(string path, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, ReadOnlySpan<byte> stdin, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fds = stackalloc int[8];
        for (var i = 0; i < 8; i++)
        {
            fds[i] = -1;
        }

        // fds: [0,1] stdin, [2,3] stdout, [4,5] stderr, [6,7] wake-up pipe for cancellation.
        var cancellable = cancellationToken.CanBeCanceled;
        int pid;
        try
        {
            for (var i = 0; i < (cancellable ? 8 : 6); i += 2)
            {
                Libc.Check(Libc.Pipe2(fds + i, Libc.O_CLOEXEC), "pipe2");
            }

            pid = Spawn(path, arguments, environment, fds[0], fds[3], fds[5], cancellable);
        }
        catch
        {
            CloseAll(fds, 8);
            throw;
        }

        Close(ref fds[0]);
        Close(ref fds[3]);
        Close(ref fds[5]);
        var killed = false;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        CancellationTokenRegistration registration = default;
        try
        {
            if (cancellable)
            {
                var wake = fds[7];
                registration = cancellationToken.Register(() =>
                {
                    var one = stackalloc byte[1];
                    var buffer = one;
                    Libc.RetryOnEintr(() => Libc.Write(wake, buffer, 1));
                });
            }

            Libc.Check(Libc.Fcntl(fds[1], Libc.F_SETFL, Libc.Fcntl(fds[1], Libc.F_GETFL, 0) | Libc.O_NONBLOCK), "fcntl(O_NONBLOCK)");
            if (stdin.Length == 0)
            {
                Close(ref fds[1]);
            }

            fixed (byte* input = stdin)
            {
                var written = 0;
                var polls = stackalloc Libc.PollFd[4];
                var chunk = stackalloc byte[ChunkSize];
                while (fds[2] >= 0 || fds[4] >= 0)
                {
                    polls[0] = new Libc.PollFd { Fd = fds[1], Events = Libc.POLLOUT };
                    polls[1] = new Libc.PollFd { Fd = fds[2], Events = Libc.POLLIN };
                    polls[2] = new Libc.PollFd { Fd = fds[4], Events = Libc.POLLIN };
                    polls[3] = new Libc.PollFd { Fd = killed ? -1 : fds[6], Events = Libc.POLLIN };
                    var set = polls;
                    Libc.Check(Libc.RetryOnEintr(() => Libc.Poll(set, 4, -1)), "poll");

                    if (polls[3].REvents != 0 && !killed)
                    {
                        // The whole group: a plugin's own children must not keep the pipes open.
                        Libc.Kill(-pid, Libc.SIGKILL);
                        killed = true;
                    }

                    if (polls[0].REvents != 0)
                    {
                        var start = input + written;
                        var count = (nuint)(stdin.Length - written);
                        var n = Libc.RetryOnEintr(() => Libc.Write(fds[1], start, count));
                        var errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                        if (n >= 0)
                        {
                            written += (int)n;
                        }
                        else if (errno != Errno.EAGAIN && errno != Errno.EPIPE)
                        {
                            throw new ErrnoException(errno, $"write to {path} stdin");
                        }

                        // Done, or the child closed its stdin: its exit status tells the rest.
                        if (written == stdin.Length || errno == Errno.EPIPE)
                        {
                            Close(ref fds[1]);
                        }
                    }

                    Drain(ref fds[2], polls[1].REvents, stdout, chunk, path);
                    Drain(ref fds[4], polls[2].REvents, stderr, chunk, path);
                }
            }
        }
        finally
        {
            registration.Dispose();
            CloseAll(fds, 8);
        }

        var exit = Wait(pid);
        if (killed)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        return new ProcessOutput(exit, stdout.ToArray(), stderr.ToArray());
    }

    /// <summary>
    /// <see cref="Run(string, IEnumerable{KeyValuePair{string, string}}, ReadOnlySpan{byte}, CancellationToken)"/> on a thread of its own (not the thread pool, whose threads it would block), for callers
    /// that await.
    /// </summary>
    public static Task<ProcessOutput> RunAsync(string path, IReadOnlyList<KeyValuePair<string, string>> environment, byte[] stdin, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<ProcessOutput>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(Run(path, environment, stdin, cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completion.SetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "cni-plugin-process",
        };
        thread.Start();
        return completion.Task;
    }

    private static unsafe void Drain(ref int fd, short events, MemoryStream sink, byte* chunk, string path)
    {
        if (fd < 0 || events == 0)
        {
            return;
        }

        var source = fd;
        var read = Libc.RetryOnEintr(() => Libc.Read(source, chunk, ChunkSize));
        if (read > 0)
        {
            sink.Write(new ReadOnlySpan<byte>(chunk, (int)read));
        }
        else if (read == 0)
        {
            Close(ref fd);
        }
        else
        {
            throw new ErrnoException(Marshal.GetLastPInvokeError(), $"read output of {path}");
        }
    }

    private static unsafe int Spawn(string path, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, int stdin, int stdout, int stderr, bool ownGroup)
    {
        var actions = Marshal.AllocHGlobal(Libc.SpawnFileActionsSize);
        var attributes = Marshal.AllocHGlobal(Libc.SpawnAttrSize);
        var strings = new List<IntPtr>();
        IntPtr argv = IntPtr.Zero, envp = IntPtr.Zero;
        Libc.SpawnFileActionsInit(actions);
        Libc.SpawnAttrInit(attributes);
        try
        {
            Libc.SpawnFileActionsAddDup2(actions, stdin, 0);
            Libc.SpawnFileActionsAddDup2(actions, stdout, 1);
            Libc.SpawnFileActionsAddDup2(actions, stderr, 2);
            if (ownGroup)
            {
                Libc.SpawnAttrSetFlags(attributes, Libc.POSIX_SPAWN_SETPGROUP);
                Libc.SpawnAttrSetPGroup(attributes, 0);
            }

            argv = StringArray([path, .. arguments], strings);
            envp = StringArray(environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(), strings);
            var error = Libc.PosixSpawn(out var pid, path, actions, attributes, argv, envp);
            return error == 0 ? pid : throw new ErrnoException(error, $"posix_spawn {path}");
        }
        finally
        {
            Libc.SpawnFileActionsDestroy(actions);
            Libc.SpawnAttrDestroy(attributes);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(argv);
            Marshal.FreeHGlobal(envp);
            strings.ForEach(Marshal.FreeCoTaskMem);
        }
    }

    private static unsafe ProcessExit Wait(int pid)
    {
        var raw = stackalloc int[1];
        var buffer = raw;
        Libc.Check(Libc.RetryOnEintr(() => Libc.Wait4(pid, buffer, 0, IntPtr.Zero)), $"wait4 {pid}");
        var status = raw[0];
        var signal = status & 0x7f;
        return signal == 0 ? new ProcessExit((status >> 8) & 0xff, 0) : new ProcessExit(0, signal);
    }

    private static void Close(ref int fd)
    {
        if (fd >= 0)
        {
            Libc.Close(fd);
            fd = -1;
        }
    }

    private static unsafe void CloseAll(int* fds, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Close(ref fds[i]);
        }
    }

    private static IntPtr StringArray(IReadOnlyList<string> values, List<IntPtr> owned)
    {
        var array = Marshal.AllocHGlobal(IntPtr.Size * (values.Count + 1));
        for (var i = 0; i < values.Count; i++)
        {
            var text = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(text);
            Marshal.WriteIntPtr(array, i * IntPtr.Size, text);
        }

        Marshal.WriteIntPtr(array, values.Count * IntPtr.Size, IntPtr.Zero);
        return array;
    }
}
