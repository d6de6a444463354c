using LibCni.Types;

namespace LibCni.Skel;

/// <summary>A kernel call whose failure goes back to the runtime as the reference words it: "what failed: why", code 999.</summary>
public static class KernelCall
{
    public static T Run<T>(Func<T> call, string failure)
    {
        try
        {
            return call();
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, $"{failure}: {e.Message}");
        }
    }

    public static void Run(Action call, string failure) => Run(() =>
    {
        call();
        return true;
    }, failure);
}
