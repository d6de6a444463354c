using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Cases;

/// <summary>What a plugin prints: result shapes per version, chained passthrough, the error object.</summary>
public static class ResultCases
{
    public static IEnumerable<SpecCase> All =>
    [
        new("add-result", "1.7", "ADD prints a result in the shape of the config's version (0.1/0.2 ip4/ip6; 0.3/0.4 ips with version; 1.x ips without)",
            SpecCase.EachClaimed, AddResult),
        new("chained-passthrough", "1.7", "A chained plugin with nothing to change prints its prevResult unchanged",
            SpecCase.From("0.3.0", p => p.PassesThroughPrevResult), ChainedPassthrough),
        new("error-form", "1.9", "A failure is exit 1 with only {code, msg[, details]} JSON on stdout", SpecCase.Once, ErrorForm),
        new("error-cniversion", "1.7", "The error object carries the request's cniVersion", SpecCase.Once, ErrorCniVersion),
    ];

    private static void AddResult(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var result = CniAssert.Result(ctx.Invoke("ADD", ctx.Config(attachment), attachment), "ADD");
        CniAssert.Shape(result, ctx.Version);
        Assert.True(CniAssert.Addresses(result).Any(), $"this ADD assigns addresses, the result must list them: {CniAssert.Compact(result)}");
    }

    private static void ChainedPassthrough(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Profile.PassthroughConfig(ctx, attachment)!;
        var result = CniAssert.Result(ctx.Invoke("ADD", config, attachment), "chained ADD");
        var expected = config["prevResult"]!;
        Assert.True(JsonNode.DeepEquals(Normalize(expected), Normalize(result)),
            $"the output must be the prevResult: expected {CniAssert.Compact(expected)}, got {CniAssert.Compact(result)}");
    }

    private static void ErrorForm(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var (config, env) = ctx.Profile.FailingAdd(ctx, attachment);
        var error = CniAssert.Error(ctx.Invoke("ADD", config, attachment, env), "ADD that must fail");
        var unknown = error.Select(p => p.Key).Except(["cniVersion", "code", "msg", "details"]).ToList();
        Assert.True(unknown.Count == 0, $"the error object has only cniVersion, code, msg, details; also got {string.Join(", ", unknown)}");
    }

    private static void ErrorCniVersion(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var (config, env) = ctx.Profile.FailingAdd(ctx, attachment);
        var error = CniAssert.Error(ctx.Invoke("ADD", config, attachment, env), "ADD that must fail");
        Assert.True(error["cniVersion"]?.ToString() == ctx.Version, $"the error must carry \"cniVersion\":\"{ctx.Version}\": {CniAssert.Compact(error)}");
    }

    /// <summary>Drops keys whose value is empty ({} or []): an omitted optional field equals an empty one.</summary>
    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var normalized = Normalize(value);
                    if (normalized is not (JsonObject { Count: 0 } or JsonArray { Count: 0 }))
                    {
                        copy[key] = normalized;
                    }
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(Normalize).ToArray());
            default:
                return node?.DeepClone();
        }
    }
}
