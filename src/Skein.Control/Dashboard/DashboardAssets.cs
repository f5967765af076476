using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Skein.Control.Dashboard;

/// <summary>The dashboard's static files, embedded in this assembly and held in memory with their ETags.</summary>
public sealed class DashboardAssets
{
    private const string ResourcePrefix = "dashboard/";

    private DashboardAssets(FrozenDictionary<string, DashboardAsset> byPath) => ByPath = byPath;

    /// <summary>Assets keyed by request path ("/app.js", "/vendor/cytoscape.min.js"); "/" is the page itself.</summary>
    public FrozenDictionary<string, DashboardAsset> ByPath { get; }

    /// <summary>Reads every embedded <c>dashboard/</c> resource once; a few hundred kilobytes, served from memory.</summary>
    public static DashboardAssets Load(Assembly? assembly = null)
    {
        assembly ??= typeof(DashboardAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var path = "/" + name[ResourcePrefix.Length..].Replace('\\', '/');
            if (!types.TryGetContentType(path, out var contentType))
            {
                contentType = path.EndsWith("LICENSE", StringComparison.Ordinal) ? "text/plain" : "application/octet-stream";
            }

            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.EndsWith("javascript", StringComparison.Ordinal))
            {
                contentType += "; charset=utf-8";
            }

            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
            assets[path] = new DashboardAsset(path, contentType, content, etag);
        }

        if (assets.Remove("/index.html", out var page))
        {
            assets["/"] = page with { Path = "/" };
        }

        return new DashboardAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }
}

/// <summary>One embedded file: its bytes, content type and a strong ETag from its hash.</summary>
public sealed record DashboardAsset(string Path, string ContentType, byte[] Content, string ETag);
