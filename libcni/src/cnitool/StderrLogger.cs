using Microsoft.Extensions.Logging;

namespace CniPlugins.CniTool;

/// <summary>A minimal logger for <c>--verbose</c>: one line per message on stderr, no dependencies.</summary>
internal sealed class StderrLogger(TextWriter stderr) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        stderr.WriteLine($"cnitool: {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}");
    }
}
