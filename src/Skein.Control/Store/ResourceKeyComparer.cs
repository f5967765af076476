using Skein.Core.Resources;

namespace Skein.Control.Store;

/// <summary>Orders resource keys by kind, namespace, then name, so listings and pushes are deterministic.</summary>
public sealed class ResourceKeyComparer : IComparer<ResourceKey>
{
    public static readonly ResourceKeyComparer Instance = new();

    public int Compare(ResourceKey x, ResourceKey y)
    {
        var c = string.CompareOrdinal(x.Kind, y.Kind);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(x.Namespace, y.Namespace);
        return c != 0 ? c : string.CompareOrdinal(x.Name, y.Name);
    }
}
