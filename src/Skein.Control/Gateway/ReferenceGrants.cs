using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Whether a cross-namespace reference is permitted by a ReferenceGrant in the referent's namespace.</summary>
public sealed class ReferenceGrants(IEnumerable<ReferenceGrantResource> grants)
{
    private readonly ILookup<string, ReferenceGrantResource> _byNamespace =
        grants.ToLookup(g => g.Metadata.Namespace ?? ObjectMeta.DefaultNamespace, StringComparer.Ordinal);

    /// <summary>
    /// True when the reference stays in its namespace, or a grant in <paramref name="toNamespace"/> lets
    /// <paramref name="fromKind"/> objects of <paramref name="fromNamespace"/> reference the target.
    /// </summary>
    public bool Permits(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        if (fromNamespace == toNamespace)
        {
            return true;
        }

        foreach (var grant in _byNamespace[toNamespace])
        {
            var fromMatches = grant.Spec.From.Any(f =>
                f.Group == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace);
            var toMatches = grant.Spec.To.Any(t =>
                t.Group == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName));
            if (fromMatches && toMatches)
            {
                return true;
            }
        }

        return false;
    }
}
