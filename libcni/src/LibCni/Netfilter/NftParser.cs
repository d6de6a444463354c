using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>
/// Reads tables, chains, rules and set elements from dumped nf_tables messages. Expressions stay raw
/// (<see cref="NftRawExpression"/>); rule attributes this library does not interpret are kept as they came.
/// </summary>
public static class NftParser
{
    private const int NfGenMsgLength = 4;

    public static NftTable ParseTable(NetlinkMessage message)
    {
        var family = FamilyOf(message);
        string name = "";
        string? comment = null;
        uint flags = 0;
        ulong? handle = null;
        foreach (var attribute in Attributes(message))
        {
            switch (attribute.Type)
            {
                case TableAttr.Name: name = attribute.AsString(); break;
                case TableAttr.Flags: flags = attribute.AsU32BigEndian(); break;
                case TableAttr.Handle: handle = attribute.AsU64BigEndian(); break;
                case TableAttr.UserData: comment = NftMessages.CommentFromUserData(attribute.Value.Span); break;
            }
        }

        return new NftTable(family, name) { Comment = comment, Flags = flags, Handle = handle };
    }

    public static NftChain ParseChain(NetlinkMessage message)
    {
        var family = FamilyOf(message);
        string table = "", name = "";
        string? comment = null, type = null;
        ulong? handle = null;
        NftPolicy? policy = null;
        NftHook? hook = null;
        var priority = 0;
        foreach (var attribute in Attributes(message))
        {
            switch (attribute.Type)
            {
                case ChainAttr.Table: table = attribute.AsString(); break;
                case ChainAttr.Name: name = attribute.AsString(); break;
                case ChainAttr.Handle: handle = attribute.AsU64BigEndian(); break;
                case ChainAttr.Type: type = attribute.AsString(); break;
                case ChainAttr.Policy: policy = (NftPolicy)attribute.AsU32BigEndian(); break;
                case ChainAttr.UserData: comment = NftMessages.CommentFromUserData(attribute.Value.Span); break;
                case ChainAttr.Hook:
                    foreach (var inner in NetlinkAttribute.ParseAll(attribute.Value))
                    {
                        if (inner.Type == HookAttr.HookNum)
                        {
                            hook = (NftHook)inner.AsU32BigEndian();
                        }
                        else if (inner.Type == HookAttr.Priority)
                        {
                            priority = unchecked((int)inner.AsU32BigEndian());
                        }
                    }

                    break;
            }
        }

        return new NftChain(family, table, name)
        {
            Base = hook is { } h ? new NftBaseChain(type ?? "filter", h, priority, policy) : null,
            Comment = comment,
            Handle = handle,
        };
    }

    public static NftRule ParseRule(NetlinkMessage message)
    {
        var family = FamilyOf(message);
        string table = "", chain = "";
        ulong? handle = null;
        ReadOnlyMemory<byte>? userData = null;
        var expressions = new List<NftExpression>();
        var others = new List<NetlinkAttribute>();
        foreach (var attribute in Attributes(message))
        {
            switch (attribute.Type)
            {
                case RuleAttr.Table: table = attribute.AsString(); break;
                case RuleAttr.Chain: chain = attribute.AsString(); break;
                case RuleAttr.Handle: handle = attribute.AsU64BigEndian(); break;
                case RuleAttr.UserData: userData = attribute.Value; break;
                case RuleAttr.Expressions:
                    foreach (var element in NetlinkAttribute.ParseAll(attribute.Value))
                    {
                        expressions.Add(ParseExpression(element));
                    }

                    break;
                default: others.Add(attribute); break;
            }
        }

        return new NftRule(family, table, chain, expressions)
        {
            Handle = handle,
            UserData = userData,
            Comment = userData is { } data ? NftMessages.CommentFromUserData(data.Span) : null,
            OtherAttributes = others,
        };
    }

    /// <summary>The keys of the elements in one NFT_MSG_NEWSETELEM dump message.</summary>
    public static IEnumerable<byte[]> ParseSetElementKeys(NetlinkMessage message)
    {
        foreach (var attribute in Attributes(message).Where(a => a.Type == SetElemListAttr.Elements))
        {
            foreach (var element in NetlinkAttribute.ParseAll(attribute.Value))
            {
                foreach (var key in NetlinkAttribute.ParseAll(element.Value).Where(a => a.Type == SetElemAttr.Key))
                {
                    var value = NetlinkAttribute.ParseAll(key.Value).FirstOrDefault(a => a.Type == DataAttr.Value);
                    yield return value.Value.ToArray();
                }
            }
        }
    }

    /// <summary>Reads one NFTA_LIST_ELEM of an expression list.</summary>
    public static NftRawExpression ParseExpression(NetlinkAttribute element)
    {
        string name = "";
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        foreach (var attribute in NetlinkAttribute.ParseAll(element.Value))
        {
            if (attribute.Type == ExprAttr.Name)
            {
                name = attribute.AsString();
            }
            else if (attribute.Type == ExprAttr.Data)
            {
                data = attribute.Value;
            }
        }

        return new NftRawExpression(name, data);
    }

    /// <summary>The NFT_MSG_* type of a message of the nftables subsystem.</summary>
    public static NftMessageType MessageTypeOf(NetlinkMessage message) => (NftMessageType)(message.Type & 0xff);

    private static NftFamily FamilyOf(NetlinkMessage message) =>
        message.Payload.Length >= NfGenMsgLength ? (NftFamily)message.Payload.Span[0] : throw new InvalidDataException("nf_tables message without nfgenmsg header");

    private static List<NetlinkAttribute> Attributes(NetlinkMessage message) => NetlinkAttribute.ParseAll(message.Payload[NfGenMsgLength..]);
}
