using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    // posix_spawn_file_actions_t and posix_spawnattr_t are opaque; glibc's are 80 and 336 bytes on 64-bit.
    internal const int SpawnFileActionsSize = 256;
    internal const int SpawnAttrSize = 512;
    internal const short POSIX_SPAWN_SETPGROUP = 0x02;

    internal const short POLLIN = 0x001;
    internal const short POLLOUT = 0x004;
    internal const short POLLERR = 0x008;
    internal const short POLLHUP = 0x010;
    internal const short POLLNVAL = 0x020;

    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int O_NONBLOCK = 0x800;
    internal const int SIGKILL = 9;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int SpawnFileActionsInit(IntPtr actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static partial int SpawnFileActionsAddDup2(IntPtr actions, int fd, int newFd);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int SpawnFileActionsDestroy(IntPtr actions);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_init")]
    internal static partial int SpawnAttrInit(IntPtr attributes);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setflags")]
    internal static partial int SpawnAttrSetFlags(IntPtr attributes, short flags);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setpgroup")]
    internal static partial int SpawnAttrSetPGroup(IntPtr attributes, int pgroup);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_destroy")]
    internal static partial int SpawnAttrDestroy(IntPtr attributes);

    /// <summary>Returns an errno value (not -1) on failure, as POSIX specifies.</summary>
    [LibraryImport(Name, EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PosixSpawn(out int pid, string path, IntPtr fileActions, IntPtr attributes, IntPtr argv, IntPtr envp);

    [LibraryImport(Name, EntryPoint = "wait4", SetLastError = true)]
    internal static unsafe partial int Wait4(int pid, int* status, int options, IntPtr rusage);

    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);
}
