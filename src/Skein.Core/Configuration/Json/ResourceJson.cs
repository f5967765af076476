using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>JSON and Kubernetes-style YAML output of resources (apiVersion, kind, metadata, spec, status), as the API and CLI show them.</summary>
public static class ResourceJson
{
    /// <summary>camelCase, enums as their wire strings, nulls and empty collections omitted.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(indented: false);

    private static JsonSerializerOptions IndentedOptions { get; } = CreateOptions(indented: true);

    /// <summary>Serializes one resource with all kind-specific fields.</summary>
    public static string Serialize(Resource resource, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return JsonSerializer.Serialize(resource, resource.GetType(), indented ? IndentedOptions : Options);
    }

    /// <summary>Serializes resources as a Kubernetes List: <c>{"apiVersion":"v1","kind":"List","items":[…]}</c>.</summary>
    public static string SerializeList(IEnumerable<Resource> resources, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var list = new JsonObject
        {
            ["apiVersion"] = ApiVersions.CoreV1,
            ["kind"] = "List",
            ["items"] = new JsonArray(resources.Select(r => (JsonNode?)ToNode(r)).ToArray()),
        };
        return list.ToJsonString(indented ? IndentedOptions : Options);
    }

    /// <summary>The resource as a mutable JSON tree.</summary>
    public static JsonObject ToNode(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return JsonSerializer.SerializeToNode(resource, resource.GetType(), Options)!.AsObject();
    }

    /// <summary>Kubernetes-style YAML for one resource (what <c>skein get -o yaml</c> prints).</summary>
    public static string ToYaml(Resource resource) => ToYaml([resource]);

    /// <summary>Kubernetes-style YAML for several resources, separated by <c>---</c>.</summary>
    public static string ToYaml(IEnumerable<Resource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        return YamlWriter.Write(resources.Select(ToNode));
    }

    /// <summary>Kubernetes-style YAML for resources already in JSON form (e.g. as the REST API returned them).</summary>
    public static string ToYaml(IEnumerable<JsonNode> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return YamlWriter.Write(documents);
    }

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { JsonShape.OmitEmptyCollections, JsonShape.BaseMembersFirst } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }
}
