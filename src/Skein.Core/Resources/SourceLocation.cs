namespace Skein.Core.Resources;

/// <summary>The file and line a resource document starts at.</summary>
public sealed record SourceLocation(string File, int Line)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}";
}
