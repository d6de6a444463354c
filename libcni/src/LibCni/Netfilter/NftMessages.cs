using System.Text;
using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>
/// Builds the nfnetlink messages nft sends, attribute for attribute in nft's order (golden tests compare
/// them with bytes captured from nft 1.0.6). Flags give nft's "add" semantics: NLM_F_CREATE where nft sets
/// it and never NLM_F_EXCL, so adding an existing table, chain, set or element is not an error.
/// </summary>
public static class NftMessages
{
    private const ushort Request = Nlmsg.FRequest;

    /// <summary>NFNL_MSG_BATCH_BEGIN for the nftables subsystem (res_id = NFNL_SUBSYS_NFTABLES, big endian).</summary>
    public static NetlinkMessageWriter BatchBegin() => BatchMarker(Nfnl.BatchBegin);

    public static NetlinkMessageWriter BatchEnd() => BatchMarker(Nfnl.BatchEnd);

    public static NetlinkMessageWriter NewTable(NftTable table)
    {
        // nft sends NEWTABLE without NLM_F_CREATE; without NLM_F_EXCL an existing table is not an error.
        var writer = Message(NftMessageType.NewTable, table.Family, 0);
        writer.AttributeString(TableAttr.Name, table.Name);
        writer.AttributeU32BigEndian(TableAttr.Flags, table.Flags);
        WriteComment(writer, TableAttr.UserData, table.Comment);
        return writer;
    }

    public static NetlinkMessageWriter DelTable(NftFamily family, string name)
    {
        var writer = Message(NftMessageType.DelTable, family, 0);
        writer.AttributeString(TableAttr.Name, name);
        return writer;
    }

    public static NetlinkMessageWriter NewChain(NftChain chain)
    {
        var writer = Message(NftMessageType.NewChain, chain.Family, Nlmsg.FCreate);
        writer.AttributeString(ChainAttr.Table, chain.Table);
        writer.AttributeString(ChainAttr.Name, chain.Name);
        if (chain.Base is { } baseChain)
        {
            writer.AttributeString(ChainAttr.Type, baseChain.Type);
            if (baseChain.Policy is { } policy)
            {
                writer.AttributeU32BigEndian(ChainAttr.Policy, (uint)policy);
            }

            var hook = writer.BeginNested(ChainAttr.Hook);
            writer.AttributeU32BigEndian(HookAttr.HookNum, (uint)baseChain.Hook);
            writer.AttributeU32BigEndian(HookAttr.Priority, unchecked((uint)baseChain.Priority));
            writer.EndNested(hook);
        }

        WriteComment(writer, ChainAttr.UserData, chain.Comment);
        return writer;
    }

    public static NetlinkMessageWriter DelChain(NftFamily family, string table, string chain)
    {
        var writer = Message(NftMessageType.DelChain, family, 0);
        writer.AttributeString(ChainAttr.Table, table);
        writer.AttributeString(ChainAttr.Name, chain);
        return writer;
    }

    /// <summary>Appends a rule to its chain (NLM_F_CREATE | NLM_F_APPEND, like <c>nft add rule</c>).</summary>
    public static NetlinkMessageWriter NewRule(NftRule rule)
    {
        var writer = Message(NftMessageType.NewRule, rule.Family, Nlmsg.FCreate | Nlmsg.FAppend);
        writer.AttributeString(RuleAttr.Table, rule.Table);
        writer.AttributeString(RuleAttr.Chain, rule.Chain);
        var list = writer.BeginNested(RuleAttr.Expressions);
        foreach (var expression in rule.Expressions)
        {
            var element = writer.BeginNested(ListAttr.Element);
            writer.AttributeString(ExprAttr.Name, expression.Name);
            var data = writer.BeginNested(ExprAttr.Data);
            expression.WriteData(writer);
            writer.EndNested(data);
            writer.EndNested(element);
        }

        writer.EndNested(list);
        WriteComment(writer, RuleAttr.UserData, rule.Comment);
        return writer;
    }

    /// <summary>Deletes one rule by handle, or every rule of the chain (a flush) when handle is null.</summary>
    public static NetlinkMessageWriter DelRule(NftFamily family, string table, string chain, ulong? handle)
    {
        var writer = Message(NftMessageType.DelRule, family, 0);
        writer.AttributeString(RuleAttr.Table, table);
        writer.AttributeString(RuleAttr.Chain, chain);
        if (handle is { } h)
        {
            writer.AttributeU64BigEndian(RuleAttr.Handle, h);
        }

        return writer;
    }

    public static NetlinkMessageWriter NewSet(NftSet set)
    {
        var writer = Message(NftMessageType.NewSet, set.Family, Nlmsg.FCreate);
        writer.AttributeString(SetAttr.Table, set.Table);
        writer.AttributeString(SetAttr.Name, set.Name);
        writer.AttributeU32BigEndian(SetAttr.Flags, set.Flags);
        writer.AttributeU32BigEndian(SetAttr.KeyType, set.KeyType.TypeId);
        writer.AttributeU32BigEndian(SetAttr.KeyLen, set.KeyType.Length);
        if (set.Id is { } id)
        {
            writer.AttributeU32BigEndian(SetAttr.Id, id);
        }

        // nft records the key byte order (NFT_BYTEORDER_BIG_ENDIAN = 2, host = 1) so it can print elements.
        writer.Attribute(SetAttr.UserData, [UserDataType.SetKeyByteOrder, 4, set.KeyType.BigEndian ? (byte)2 : (byte)1, 0, 0, 0]);
        return writer;
    }

    public static NetlinkMessageWriter NewSetElements(NftSetElements elements) =>
        SetElements(NftMessageType.NewSetElem, Nlmsg.FCreate, elements);

    public static NetlinkMessageWriter DelSetElements(NftSetElements elements) =>
        SetElements(NftMessageType.DelSetElem, 0, elements);

    /// <summary>Dump request for the tables of a family.</summary>
    public static NetlinkMessageWriter GetTables(NftFamily family) => Message(NftMessageType.GetTable, family, 0);

    /// <summary>Dump request for the chains of a family (the kernel does not filter by table; callers do).</summary>
    public static NetlinkMessageWriter GetChains(NftFamily family) => Message(NftMessageType.GetChain, family, 0);

    /// <summary>Dump request for the rules of one chain (the kernel filters by table and chain).</summary>
    public static NetlinkMessageWriter GetRules(NftFamily family, string table, string chain)
    {
        var writer = Message(NftMessageType.GetRule, family, 0);
        writer.AttributeString(RuleAttr.Table, table);
        writer.AttributeString(RuleAttr.Chain, chain);
        return writer;
    }

    public static NetlinkMessageWriter GetSets(NftFamily family, string table)
    {
        var writer = Message(NftMessageType.GetSet, family, 0);
        writer.AttributeString(SetAttr.Table, table);
        return writer;
    }

    public static NetlinkMessageWriter GetSetElements(NftFamily family, string table, string set)
    {
        var writer = Message(NftMessageType.GetSetElem, family, 0);
        writer.AttributeString(SetElemListAttr.Table, table);
        writer.AttributeString(SetElemListAttr.Set, set);
        return writer;
    }

    /// <summary>The userdata TLV nft writes for a comment: type 0, one length byte, the text with its NUL.</summary>
    public static byte[] CommentUserData(string comment)
    {
        var text = Encoding.UTF8.GetBytes(comment + "\0");
        if (text.Length > byte.MaxValue)
        {
            throw new ArgumentException($"nftables comment is too long: \"{comment}\"", nameof(comment));
        }

        return [UserDataType.Comment, (byte)text.Length, .. text];
    }

    /// <summary>The comment in a userdata blob, or null; other TLVs are skipped.</summary>
    public static string? CommentFromUserData(ReadOnlySpan<byte> userData)
    {
        while (userData.Length >= 2)
        {
            var type = userData[0];
            var length = userData[1];
            if (2 + length > userData.Length)
            {
                return null;
            }

            var value = userData.Slice(2, length);
            if (type == UserDataType.Comment)
            {
                var end = value.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
            }

            userData = userData[(2 + length)..];
        }

        return null;
    }

    private static NetlinkMessageWriter SetElements(NftMessageType type, ushort flags, NftSetElements elements)
    {
        var writer = Message(type, elements.Family, flags);
        writer.AttributeString(SetElemListAttr.Table, elements.Table);
        writer.AttributeString(SetElemListAttr.Set, elements.Set);
        if (elements.SetId is { } id)
        {
            writer.AttributeU32BigEndian(SetElemListAttr.SetId, id);
        }

        var list = writer.BeginNested(SetElemListAttr.Elements);
        for (var i = 0; i < elements.Keys.Count; i++)
        {
            // libnftnl numbers the elements 1, 2, ...; the kernel ignores these types.
            var key = elements.Keys[i];
            var element = writer.BeginNested((ushort)(i + 1));
            NftExpression.WriteDataValue(writer, SetElemAttr.Key, key);
            writer.EndNested(element);
        }

        writer.EndNested(list);
        return writer;
    }

    private static NetlinkMessageWriter Message(NftMessageType type, NftFamily family, ushort flags)
    {
        var writer = new NetlinkMessageWriter(Nfnl.NftType(type), (ushort)(Request | flags));
        writer.WriteBytes([(byte)family, 0, 0, 0]);
        return writer;
    }

    private static NetlinkMessageWriter BatchMarker(ushort type)
    {
        var writer = new NetlinkMessageWriter(type, Request);
        writer.WriteBytes([0, 0, 0, Nfnl.SubsysNftables]);
        return writer;
    }

    private static void WriteComment(NetlinkMessageWriter writer, ushort attribute, string? comment)
    {
        if (comment is not null)
        {
            writer.Attribute(attribute, CommentUserData(comment));
        }
    }
}
