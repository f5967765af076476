namespace Skein.Core.Resources;

/// <summary>Identity of a resource: kind, namespace ("" when cluster-scoped) and name.</summary>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() =>
        Namespace.Length == 0 ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}
