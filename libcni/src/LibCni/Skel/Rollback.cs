namespace LibCni.Skel;

/// <summary>
/// An ADD's undo list: each effect pushes its undo as it is made, and a failure runs them newest first,
/// each even when an earlier one fails (logged), before the error goes back to the runtime.
/// </summary>
public sealed class Rollback(string plugin, TextWriter log)
{
    private readonly Stack<(string What, Action Undo)> _steps = new();

    public int Count => _steps.Count;

    public void Push(string what, Action undo) => _steps.Push((what, undo));

    /// <summary>Runs <paramref name="add"/>; if it throws, undoes what it did and rethrows.</summary>
    public static T Run<T>(string plugin, TextWriter log, Func<Rollback, T> add)
    {
        var rollback = new Rollback(plugin, log);
        try
        {
            return add(rollback);
        }
        catch
        {
            rollback.Undo();
            throw;
        }
    }

    public void Undo()
    {
        while (_steps.Count > 0)
        {
            var (what, undo) = _steps.Pop();
            try
            {
                undo();
            }
            catch (Exception e)
            {
                log.WriteLine($"{plugin}: rollback step \"{what}\" failed: {e.Message}");
            }
        }
    }
}
