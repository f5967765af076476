using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Accumulates resources and errors across the files of one load call and rejects duplicates.</summary>
internal sealed class LoadSession(LoadOptions options)
{
    private readonly List<Resource> _resources = [];
    private readonly List<ConfigError> _errors = [];
    private readonly Dictionary<ResourceKey, SourceLocation> _seen = [];
    private readonly DocumentLoader _loader = new(options);

    public void AddError(ConfigError error) => _errors.Add(error);

    public void AddText(string yaml, string file)
    {
        foreach (var document in YamlDocumentReader.Read(yaml, file, _errors))
        {
            var start = document.RootNode.Start;
            var context = new DocumentContext(file, start, _errors);
            if (_loader.Load(document, context) is not { } resource)
            {
                continue;
            }

            var source = new SourceLocation(file, checked((int)start.Line));
            if (_seen.TryGetValue(resource.Key, out var first))
            {
                context.Error("metadata.name", $"duplicate {resource.Key}: already defined at {first}");
                continue;
            }

            resource.Source = source;
            _seen.Add(resource.Key, source);
            _resources.Add(resource);
        }
    }

    public LoadResult Result()
    {
        // Syntax errors are appended when parsing stops, so order by position within each file, files in load order.
        var fileOrder = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var error in _errors)
        {
            fileOrder.TryAdd(error.File, fileOrder.Count);
        }

        var ordered = _errors
            .Select((error, index) => (error, index))
            .OrderBy(e => fileOrder[e.error.File])
            .ThenBy(e => e.error.Line)
            .ThenBy(e => e.error.Column)
            .ThenBy(e => e.index)
            .Select(e => e.error)
            .ToArray();
        return new LoadResult(_resources.ToArray(), ordered);
    }
}
