namespace Skein.Core.Configuration;

/// <summary>A configuration problem: where it is (file, line, column, field path) and what is wrong.</summary>
/// <remarks>Line and column are 1-based; 0 means the problem concerns the file as a whole.</remarks>
public sealed record ConfigError(string File, int Line, int Column, string Field, string Message)
{
    /// <summary>The field value used when a problem concerns a whole document or file.</summary>
    public const string DocumentField = "(document)";

    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}
