using System.Text.Json.Nodes;

namespace SpecTests.Kit;

/// <summary>Appends one JSON line per case to <see cref="SpecSettings.ResultsFile"/>; scripts/conformance builds REPORT.md from it.</summary>
public static class ResultLog
{
    private static readonly object Gate = new();

    public static void Write(string section, string caseId, string title, string plugin, string? version, string outcome, string? detail)
    {
        if (SpecSettings.ResultsFile is not { } file)
        {
            return;
        }

        var line = new JsonObject
        {
            ["implementation"] = SpecSettings.Implementation,
            ["section"] = section,
            ["case"] = caseId,
            ["title"] = title,
            ["plugin"] = plugin,
            ["version"] = version ?? "*",
            ["outcome"] = outcome,
            ["detail"] = detail,
        }.ToJsonString();
        lock (Gate)
        {
            File.AppendAllText(file, line + "\n");
        }
    }
}
