using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Core.Configuration;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>Turns an API server object into input for the same loader that reads YAML files, and names it for errors.</summary>
public static class KubernetesDocuments
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The store source an object owns: one per object, so an invalid edit is rejected alone while its last good version keeps serving.</summary>
    public static string SourceName(KubernetesKind kind, JsonObject obj)
    {
        var meta = obj["metadata"];
        var name = meta?["name"]?.GetValue<string>() ?? "";
        var ns = meta?["namespace"]?.GetValue<string>();
        return kind.Namespaced ? $"kubernetes:{kind.Kind}/{ns ?? "default"}/{name}" : $"kubernetes:{kind.Kind}/{name}";
    }

    /// <summary>How errors name the object: kind and namespace/name (there is no file or line on an API server).</summary>
    public static string DisplayName(KubernetesKind kind, JsonObject obj)
    {
        var meta = obj["metadata"];
        var name = meta?["name"]?.GetValue<string>() ?? "";
        var ns = meta?["namespace"]?.GetValue<string>();
        return kind.Namespaced ? $"{kind.Kind} {ns ?? "default"}/{name}" : $"{kind.Kind} {name}";
    }

    /// <summary>The document the loader sees, or null when the object maps to nothing (a Pod without an IP).</summary>
    /// <remarks>
    /// Status is dropped: the control plane computes the status of what it serves, and reading back what it wrote would
    /// loop. resourceVersion and managedFields are dropped so that a status write (which bumps resourceVersion) is not a change.
    /// </remarks>
    public static JsonObject? ToDocument(KubernetesKind kind, JsonObject obj)
    {
        if (kind.Kind == "Pod")
        {
            return PodWorkloads.ToWorkload(obj);
        }

        var document = (JsonObject)obj.DeepClone();
        document["apiVersion"] ??= kind.ApiVersion;
        document["kind"] ??= kind.Kind;
        document.Remove("status");
        if (document["metadata"] is JsonObject meta)
        {
            meta.Remove("resourceVersion");
            meta.Remove("managedFields");
        }

        return document;
    }

    /// <summary>Loads a document with the file loader; errors name the object and carry the field and reason, without a line.</summary>
    public static LoadResult Load(string displayName, JsonObject document)
    {
        var result = ResourceLoader.LoadText(document.ToJsonString(Indented), displayName);
        return result.Ok
            ? result
            : new LoadResult(result.Resources, [.. result.Errors.Select(e => e with { Line = 0, Column = 0 })]);
    }

    public static string Hash(JsonObject document) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
}
