namespace Skein.Core.Configuration;

/// <summary>Finds and reads configuration files, reporting missing paths and I/O failures as errors.</summary>
internal static class ConfigFiles
{
    public static IEnumerable<string> Expand(string path, Action<ConfigError> report)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            try
            {
                return Directory
                    .EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false })
                    .Where(IsYaml)
                    .Order(StringComparer.Ordinal)
                    .ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                report(new ConfigError(path, 0, 0, ConfigError.DocumentField, "cannot list directory: " + e.Message));
                return [];
            }
        }

        report(new ConfigError(path, 0, 0, ConfigError.DocumentField, "no such file or directory"));
        return [];
    }

    public static string? TryRead(string file, Action<ConfigError> report)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report(new ConfigError(file, 0, 0, ConfigError.DocumentField, "cannot read file: " + e.Message));
            return null;
        }
    }

    private static bool IsYaml(string file) =>
        file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal);
}
