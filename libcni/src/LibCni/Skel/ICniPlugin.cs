using LibCni.Types;

namespace LibCni.Skel;

/// <summary>
/// A plugin's verbs. The host has validated the environment, the config's name and version, and the
/// identifiers before any of these runs. Throw <see cref="CniException"/> for spec errors.
/// </summary>
public interface ICniPlugin
{
    /// <summary>Creates the attachment and returns the result; the host prints it in the config's version.</summary>
    ICniResult Add(CmdArgs args);

    void Check(CmdArgs args);

    void Del(CmdArgs args);

    /// <summary>Releases what attachments outside <c>cni.dev/valid-attachments</c> hold. Default: nothing to collect.</summary>
    void Gc(CmdArgs args)
    {
    }

    /// <summary>Throws code 50/51 when the plugin cannot serve ADD. Default: ready.</summary>
    void Status(CmdArgs args)
    {
    }
}

/// <summary>Tells whether a netns path is the plugin's own netns (the reference's code-8 check).</summary>
public interface INetnsIdentity
{
    /// <summary>True when <paramref name="path"/> names the calling process's netns; false when it does not or cannot be opened.</summary>
    bool IsOwnNetns(string path);
}
