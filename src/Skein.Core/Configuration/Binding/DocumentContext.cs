using YamlDotNet.Core;

namespace Skein.Core.Configuration;

/// <summary>Per-document error sink and map from field paths to source positions.</summary>
internal sealed class DocumentContext(string file, Mark documentStart, List<ConfigError> errors)
{
    private readonly Dictionary<string, Mark> _locations = new(StringComparer.Ordinal);
    private int _lenientDepth;

    public string File { get; } = file;

    public Mark DocumentStart { get; } = documentStart;

    /// <summary>Errors reported for this document so far.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>True once a value could not be bound at all (wrong type or shape), so lists may no longer line up with the input.</summary>
    public bool StructureBroken { get; private set; }

    /// <summary>Records that a value was dropped; ignored inside lenient subtrees, which nothing validates.</summary>
    public void MarkBroken()
    {
        if (_lenientDepth == 0)
        {
            StructureBroken = true;
        }
    }

    /// <summary>Remembers where a field's value starts; the first record wins.</summary>
    public void Record(string path, Mark mark) => _locations.TryAdd(path, mark);

    /// <summary>The position of a field, or of its nearest recorded ancestor (missing fields point at their parent).</summary>
    public Mark Locate(string path)
    {
        var current = path;
        while (true)
        {
            if (_locations.TryGetValue(current, out var mark))
            {
                return mark;
            }

            if (current.Length == 0)
            {
                return DocumentStart;
            }

            current = FieldPath.Parent(current);
        }
    }

    /// <summary>Reports a problem at an explicit position.</summary>
    public void Error(Mark at, string path, string message)
    {
        if (_lenientDepth > 0)
        {
            return;
        }

        ErrorCount++;
        errors.Add(new ConfigError(File, checked((int)at.Line), checked((int)at.Column), FieldPath.Display(path), message));
    }

    /// <summary>Reports a problem at the recorded position of a field.</summary>
    public void Error(string path, string message) => Error(Locate(path), path, message);

    /// <summary>Suppresses errors until disposed: used for status, which Skein accepts as-is.</summary>
    public IDisposable Lenient()
    {
        _lenientDepth++;
        return new LenientScope(this);
    }

    private sealed class LenientScope(DocumentContext owner) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                owner._lenientDepth--;
            }
        }
    }
}
