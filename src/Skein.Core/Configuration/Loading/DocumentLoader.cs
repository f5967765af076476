using Skein.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Configuration;

/// <summary>Turns one YAML document into a resource: header check, binding, metadata and kind-specific validation.</summary>
internal sealed class DocumentLoader(LoadOptions options)
{
    private static readonly HashSet<string> HeaderKeys = new(StringComparer.Ordinal) { "apiVersion", "kind" };

    /// <summary>Returns the resource, or null when the document is empty, skipped or invalid (errors are added to <paramref name="context"/>).</summary>
    public Resource? Load(YamlDocument document, DocumentContext context)
    {
        var root = document.RootNode;
        if (YamlScalars.IsNull(root))
        {
            return null;
        }

        if (root is not YamlMappingNode mapping)
        {
            context.Error(root.Start, FieldPath.Root, $"expected a mapping with apiVersion and kind, got {YamlScalars.Describe(root)}");
            return null;
        }

        var kindInfo = ReadKind(mapping, context);
        if (kindInfo is null)
        {
            return null;
        }

        var resource = kindInfo.Create();
        var apiVersion = ReadHeaderString(mapping, "apiVersion", context);
        if (apiVersion is not null)
        {
            if (kindInfo.ApiVersions.Contains(apiVersion, StringComparer.Ordinal))
            {
                resource.ApiVersion = apiVersion;
            }
            else
            {
                context.Error("apiVersion", $"{YamlScalars.Quote(apiVersion)} is not a valid apiVersion for {kindInfo.Kind}: use {string.Join(" or ", kindInfo.ApiVersions)}");
            }
        }

        new YamlBinder(context).BindInto(mapping, resource, FieldPath.Root, HeaderKeys);
        MetadataValidator.Validate(resource, context);

        // Cross-field rules need every value in place, so that list indexes line up with the input.
        if (!context.StructureBroken)
        {
            Validators.Run(resource, context);
        }

        return context.ErrorCount == 0 ? resource : null;
    }

    private ResourceKindInfo? ReadKind(YamlMappingNode mapping, DocumentContext context)
    {
        var kind = ReadHeaderString(mapping, "kind", context);
        if (kind is null)
        {
            // Still check apiVersion so a header with two problems reports both.
            ReadHeaderString(mapping, "apiVersion", context);
            return null;
        }

        if (ResourceKinds.Find(kind) is { } info)
        {
            return info;
        }

        if (options.IgnoreUnknownKinds)
        {
            return null;
        }

        var suggestion = Suggestions.Closest(kind, ResourceKinds.Names);
        var hint = suggestion is null ? "" : $" (did you mean {YamlScalars.Quote(suggestion)}?)";
        context.Error("kind", $"unknown kind {YamlScalars.Quote(kind)}{hint}; supported kinds: {string.Join(", ", ResourceKinds.Names)}");
        ReadHeaderString(mapping, "apiVersion", context);
        return null;
    }

    private static string? ReadHeaderString(YamlMappingNode mapping, string key, DocumentContext context)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) || YamlScalars.IsNull(node))
        {
            context.Error(mapping.Start, key, "required field is missing");
            return null;
        }

        context.Record(key, node.Start);
        if (node is not YamlScalarNode { Value: { Length: > 0 } value } scalar || YamlScalars.Classify(scalar) != ScalarKind.String)
        {
            context.Error(node.Start, key, $"expected a string, got {YamlScalars.Describe(node)}");
            return null;
        }

        return value;
    }
}
