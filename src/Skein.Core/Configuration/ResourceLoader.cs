namespace Skein.Core.Configuration;

/// <summary>Reads Skein resources from YAML text, files and directories, validating everything on the way in.</summary>
public static class ResourceLoader
{
    /// <summary>Loads every document of a YAML (or JSON) text; <paramref name="fileName"/> is used in errors.</summary>
    public static LoadResult LoadText(string yaml, string fileName) => LoadText(yaml, fileName, LoadOptions.Default);

    /// <summary>Loads every document of a YAML (or JSON) text with options.</summary>
    public static LoadResult LoadText(string yaml, string fileName, LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        var session = new LoadSession(options);
        session.AddText(yaml, fileName);
        return session.Result();
    }

    /// <summary>Loads one file.</summary>
    public static LoadResult LoadFile(string path) => LoadPaths([path], LoadOptions.Default);

    /// <summary>Loads one file with options.</summary>
    public static LoadResult LoadFile(string path, LoadOptions options) => LoadPaths([path], options);

    /// <summary>Loads files and directories (walked recursively for *.yaml and *.yml, in ordinal order); names must be unique across all of them.</summary>
    public static LoadResult LoadPaths(IEnumerable<string> paths) => LoadPaths(paths, LoadOptions.Default);

    /// <summary>Loads files and directories with options.</summary>
    public static LoadResult LoadPaths(IEnumerable<string> paths, LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var session = new LoadSession(options);
        foreach (var path in paths)
        {
            foreach (var file in ConfigFiles.Expand(path, session.AddError))
            {
                if (ConfigFiles.TryRead(file, session.AddError) is { } text)
                {
                    session.AddText(text, file);
                }
            }
        }

        return session.Result();
    }
}
