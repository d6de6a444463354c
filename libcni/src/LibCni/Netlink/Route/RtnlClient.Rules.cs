using LibCni.Kernel;

namespace LibCni.Netlink.Route;

/// <summary>Policy-routing rules: add, delete, list.</summary>
public sealed partial class RtnlClient
{
    public void AddRule(RuleSpec rule) =>
        _client.Execute(RtnlRequests.NewRule(rule), $"RTM_NEWRULE {rule.Source?.ToString() ?? "all"} table {rule.Table}");

    /// <summary>Deletes a rule; one already gone is fine (ENOENT).</summary>
    public void DeleteRule(RuleSpec rule)
    {
        try
        {
            _client.Execute(RtnlRequests.DeleteRule(rule), $"RTM_DELRULE {rule.Source?.ToString() ?? "all"} table {rule.Table}");
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
        }
    }

    public List<RuleSpec> ListRules(byte family) =>
        _client.Dump(() => RtnlRequests.DumpRules(family), "RTM_GETRULE dump")
            .Where(m => m.Type == Rtm.NewRule)
            .Select(RuleSpec.Parse)
            .ToList();
}
