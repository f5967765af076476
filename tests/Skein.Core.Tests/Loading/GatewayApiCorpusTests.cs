using System.Text.RegularExpressions;
using Skein.Core.Configuration;

namespace Skein.Core.Tests;

/// <summary>Every manifest of the upstream Gateway API conformance suite binds without errors.</summary>
public partial class GatewayApiCorpusTests
{
    private static readonly string[] ModelledKinds =
        ["Gateway", "GatewayClass", "HTTPRoute", "ReferenceGrant", "BackendTLSPolicy", "Namespace", "Service", "Secret", "ConfigMap"];

    [ConformanceCorpusFact]
    public void EveryManifestBindsWithoutErrors()
    {
        var options = new LoadOptions { IgnoreUnknownKinds = true };
        var errors = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);

        // Each manifest is applied on its own upstream, so names may repeat across files.
        foreach (var file in CorpusFiles())
        {
            var result = ResourceLoader.LoadFile(file, options);
            errors.AddRange(result.Errors.Select(e => e.ToString()));
            foreach (var resource in result.Resources)
            {
                counts[resource.Kind] = counts.GetValueOrDefault(resource.Kind) + 1;
            }
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors));

        // No document of a modelled kind may be dropped: compare with the kind lines in the files.
        var expected = CountKindLines();
        foreach (var kind in ModelledKinds)
        {
            Assert.True(expected.GetValueOrDefault(kind) > 0, $"corpus has no {kind}");
            Assert.Equal(expected[kind], counts.GetValueOrDefault(kind));
        }
    }

    [ConformanceCorpusFact]
    public void KindsSkeinDoesNotModelAreReportedWhenNotIgnored()
    {
        var unknown = CorpusFiles()
            .SelectMany(f => ResourceLoader.LoadFile(f).Errors)
            .Select(e => e.Message)
            .Where(m => m.StartsWith("unknown kind ", StringComparison.Ordinal))
            .Select(m => m.Split('"')[1])
            .ToHashSet();

        Assert.Subset(new HashSet<string> { "Deployment", "EndpointSlice", "ListenerSet", "UDPRoute" }, unknown);
        Assert.DoesNotContain(unknown, ModelledKinds.Contains);
    }

    private static IEnumerable<string> CorpusFiles() =>
        Directory.EnumerateFiles(RepoPaths.GatewayApiCorpus, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static Dictionary<string, int> CountKindLines() =>
        CorpusFiles()
            .SelectMany(File.ReadLines)
            .Select(line => KindLine().Match(line))
            .Where(m => m.Success)
            .GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex("^kind: ([A-Za-z]+)\\s*$")]
    private static partial Regex KindLine();
}
