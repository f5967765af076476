namespace Skein.Core.Resources;

/// <summary>Input keys accepted on a type but dropped, such as server-populated Kubernetes metadata.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class IgnoredFieldsAttribute(params string[] names) : Attribute
{
    /// <summary>The keys to accept and drop.</summary>
    public IReadOnlyList<string> Names { get; } = names;
}
