using System.Globalization;

namespace Skein.Core.Configuration;

/// <summary>Builds and splits field paths such as <c>spec.ports[0].targetPort</c> and <c>metadata.labels["app"]</c>.</summary>
internal static class FieldPath
{
    /// <summary>The path of the document root.</summary>
    public const string Root = "";

    public static string Child(string parent, string name) =>
        parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) =>
        parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Key(string parent, string key) =>
        parent + "[\"" + key + "\"]";

    /// <summary>The enclosing path, or <see cref="Root"/> at the top.</summary>
    public static string Parent(string path)
    {
        if (path.EndsWith("\"]", StringComparison.Ordinal))
        {
            return path[..path.LastIndexOf("[\"", StringComparison.Ordinal)];
        }

        if (path.EndsWith(']'))
        {
            return path[..path.LastIndexOf('[')];
        }

        var dot = path.LastIndexOf('.');
        return dot < 0 ? Root : path[..dot];
    }

    /// <summary>How a path is shown in errors: the root is "(document)".</summary>
    public static string Display(string path) => path.Length == 0 ? ConfigError.DocumentField : path;
}
