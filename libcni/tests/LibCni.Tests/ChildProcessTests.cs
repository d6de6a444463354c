using System.Text;
using LibCni.Interop;
using LibCni.Kernel;
using Xunit;

namespace LibCni.Tests;

public class ChildProcessTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PATH"] = "/usr/bin:/bin", ["CNI_COMMAND"] = "ADD" };

    [Fact]
    public void Stdin_reaches_the_child_and_stdout_comes_back()
    {
        var (exit, stdout) = ChildProcess.Run("/bin/cat", Env, "{\"name\":\"n\"}"u8);
        Assert.Equal(0, exit);
        Assert.Equal("{\"name\":\"n\"}", Encoding.UTF8.GetString(stdout));
    }

    [Fact]
    public void Only_the_given_environment_is_passed()
    {
        var (_, stdout) = ChildProcess.Run("/usr/bin/env", Env, []);
        Assert.Equal(["PATH=/usr/bin:/bin", "CNI_COMMAND=ADD"], Encoding.UTF8.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Exit_code_and_signals_are_reported()
    {
        File.WriteAllText("/tmp/cnitest-exit3.sh", "#!/bin/sh\nexit 3\n");
        File.SetUnixFileMode("/tmp/cnitest-exit3.sh", UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.Equal(3, ChildProcess.Run("/tmp/cnitest-exit3.sh", Env, []).ExitCode);
        File.WriteAllText("/tmp/cnitest-kill.sh", "#!/bin/sh\nkill -9 $$\n");
        File.SetUnixFileMode("/tmp/cnitest-kill.sh", UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.Equal(137, ChildProcess.Run("/tmp/cnitest-kill.sh", Env, []).ExitCode);
    }

    [Fact]
    public void A_child_that_ignores_a_large_stdin_does_not_hang_us()
    {
        var (exit, _) = ChildProcess.Run("/bin/true", Env, new byte[1 << 20]);
        Assert.Equal(0, exit);
    }

    [Fact]
    public void Missing_program_is_an_errno_error() =>
        Assert.Equal(Errno.ENOENT, Assert.Throws<ErrnoException>(() => ChildProcess.Run("/nonexistent/plugin", Env, [])).Errno);
}
