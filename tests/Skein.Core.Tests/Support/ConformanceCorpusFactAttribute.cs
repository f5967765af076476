namespace Skein.Core.Tests;

/// <summary>A fact that is skipped, with the reason, when the shared Gateway API corpus is not checked out.</summary>
public sealed class ConformanceCorpusFactAttribute : FactAttribute
{
    public ConformanceCorpusFactAttribute()
    {
        if (!Directory.Exists(RepoPaths.GatewayApiCorpus))
        {
            Skip = $"Gateway API conformance corpus not found at {RepoPaths.GatewayApiCorpus} (expected ../shared/conformance/gateway-api beside the repository)";
        }
    }
}
