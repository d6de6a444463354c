using System.Runtime.InteropServices;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// Runs a program with posix_spawn: stdin and stdout through pipes, stderr inherited. A plugin that
/// delegates to IPAM does this on every ADD and DEL, so it avoids System.Diagnostics.Process, whose
/// async readers and child watcher start a dozen threads in a process that lives a few milliseconds.
/// </summary>
public static class ChildProcess
{
    /// <summary>Runs <paramref name="path"/> with the given environment and stdin; returns (exit code, stdout).</summary>
    public static unsafe (int ExitCode, byte[] Stdout) Run(string path, IReadOnlyDictionary<string, string> environment, ReadOnlySpan<byte> stdin)
    {
        var stdinPipe = stackalloc int[2];
        var stdoutPipe = stackalloc int[2];
        Libc.Check(Libc.Pipe2(stdinPipe, Libc.O_CLOEXEC), "pipe2");
        if (Libc.Pipe2(stdoutPipe, Libc.O_CLOEXEC) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.Close(stdinPipe[0]);
            Libc.Close(stdinPipe[1]);
            throw new ErrnoException(errno, "pipe2");
        }

        var actions = Marshal.AllocHGlobal(Libc.SpawnFileActionsSize);
        var strings = new List<IntPtr>();
        IntPtr argv = IntPtr.Zero, envp = IntPtr.Zero;
        int pid;
        try
        {
            Libc.SpawnFileActionsInit(actions);
            Libc.SpawnFileActionsAddDup2(actions, stdinPipe[0], 0);
            Libc.SpawnFileActionsAddDup2(actions, stdoutPipe[1], 1);
            argv = StringArray([path], strings);
            envp = StringArray(environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(), strings);
            var error = Libc.PosixSpawn(out pid, path, actions, IntPtr.Zero, argv, envp);
            if (error != 0)
            {
                throw new ErrnoException(error, $"posix_spawn {path}");
            }
        }
        finally
        {
            Libc.SpawnFileActionsDestroy(actions);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(argv);
            Marshal.FreeHGlobal(envp);
            strings.ForEach(Marshal.FreeCoTaskMem);
            Libc.Close(stdinPipe[0]);
            Libc.Close(stdoutPipe[1]);
        }

        try
        {
            // Configs are far smaller than a pipe buffer, and plugins read stdin before writing: no deadlock.
            WriteAll(stdinPipe[1], stdin);
        }
        finally
        {
            Libc.Close(stdinPipe[1]);
        }

        byte[] output;
        try
        {
            output = ReadAll(stdoutPipe[0]);
        }
        finally
        {
            Libc.Close(stdoutPipe[0]);
        }

        return (Wait(pid), output);
    }

    private static unsafe void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var written = Libc.Write(fd, start + offset, (nuint)(data.Length - offset));
                if (written >= 0)
                {
                    offset += (int)written;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EPIPE)
                {
                    return; // The child exited without reading; its exit status says why.
                }

                if (errno != Libc.EINTR)
                {
                    throw new ErrnoException(errno, "write to child stdin");
                }
            }
        }
    }

    private static unsafe byte[] ReadAll(int fd)
    {
        using var buffer = new MemoryStream();
        var chunk = stackalloc byte[16 * 1024];
        while (true)
        {
            var read = Libc.Read(fd, chunk, 16 * 1024);
            if (read > 0)
            {
                buffer.Write(new ReadOnlySpan<byte>(chunk, (int)read));
            }
            else if (read == 0)
            {
                return buffer.ToArray();
            }
            else if (Marshal.GetLastPInvokeError() != Libc.EINTR)
            {
                throw new ErrnoException(Marshal.GetLastPInvokeError(), "read child stdout");
            }
        }
    }

    /// <summary>The exit code, or 128 + signal number for a child killed by a signal (as shells report it).</summary>
    private static int Wait(int pid)
    {
        while (true)
        {
            if (Libc.WaitPid(pid, out var status, 0) >= 0)
            {
                var signal = status & 0x7f;
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw new ErrnoException(errno, $"waitpid {pid}");
            }
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
