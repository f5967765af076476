using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Translation;

/// <summary>One document of a manifest file: its original text (kept verbatim) and the parsed header.</summary>
public sealed record ManifestDocument(string Text, string? ApiVersion, string? Kind, string? Name, string? Namespace, YamlMappingNode? Root);

/// <summary>Splits multi-document YAML and reads fields out of the parsed nodes.</summary>
public static partial class ManifestDocuments
{
    /// <summary>
    /// The documents of <paramref name="yaml"/>. Documents are split on "---" lines and their text kept as written,
    /// so the control plane sees the author's scalars (quoted or not) exactly; parsing only reads the header.
    /// </summary>
    public static IEnumerable<ManifestDocument> Split(string yaml)
    {
        foreach (var text in Separator().Split(yaml))
        {
            if (string.IsNullOrWhiteSpace(text) || text.Split('\n').All(l => l.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(l)))
            {
                continue;
            }

            YamlMappingNode? root;
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
            }
            catch (YamlException)
            {
                // Kept verbatim: the control plane reports the syntax error with file and line.
                root = null;
            }

            yield return new ManifestDocument(
                text.Trim('\n') + "\n",
                root is null ? null : Scalar(root, "apiVersion"),
                root is null ? null : Scalar(root, "kind"),
                root is null ? null : Scalar(root, "metadata", "name"),
                root is null ? null : Scalar(root, "metadata", "namespace"),
                root);
        }
    }

    /// <summary>The scalar at <paramref name="path"/>, or null.</summary>
    public static string? Scalar(YamlNode node, params string[] path) => Walk(node, path) is YamlScalarNode s ? s.Value : null;

    /// <summary>The sequence at <paramref name="path"/>, or empty.</summary>
    public static IEnumerable<YamlNode> Sequence(YamlNode node, params string[] path) => Walk(node, path) as YamlSequenceNode ?? [];

    /// <summary>The mapping at <paramref name="path"/>, or null.</summary>
    public static YamlMappingNode? Mapping(YamlNode node, params string[] path) => Walk(node, path) as YamlMappingNode;

    /// <summary>The string-to-string mapping at <paramref name="path"/> (labels, selectors), or empty.</summary>
    public static Dictionary<string, string> StringMap(YamlNode node, params string[] path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Walk(node, path) is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                if (k is YamlScalarNode key && v is YamlScalarNode value)
                {
                    result[key.Value ?? ""] = value.Value ?? "";
                }
            }
        }

        return result;
    }

    private static YamlNode? Walk(YamlNode node, string[] path)
    {
        YamlNode? current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out current))
            {
                return null;
            }
        }

        return current;
    }

    [GeneratedRegex(@"^---[ \t]*(?:#.*)?\r?$", RegexOptions.Multiline)]
    private static partial Regex Separator();
}
