using System.Text.Json.Nodes;
using SpecTests.Kit;

namespace SpecTests.Profiles;

/// <summary>A plugin that only runs chained after an interface plugin, acting on its prevResult.</summary>
public abstract class ChainedProfile : PluginProfile
{
    public override bool IsChained => true;

    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment)
    {
        // Called first in a chain: there is no prevResult to act on.
        var config = Config(ctx, attachment);
        config.Remove("prevResult");
        return (config, null);
    }
}
