using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Rules shared by all route kinds: distinct parentRefs, Service backends with ports, unique rule names.</summary>
internal static class RouteRules
{
    public static void ValidateParentRefs(List<ParentReference> parents, DocumentContext context)
    {
        // Several refs to the same parent must each narrow it (sectionName/port), and differently.
        var groups = parents
            .Select((parent, index) => (parent, index))
            .GroupBy(p => (p.parent.Group, p.parent.Kind, p.parent.Namespace ?? "", p.parent.Name));
        foreach (var group in groups.Where(g => g.Count() > 1))
        {
            var seen = new HashSet<(string, int)>();
            foreach (var (parent, index) in group)
            {
                var path = FieldPath.Index("spec.parentRefs", index);
                if (parent.SectionName is null && parent.Port is null)
                {
                    context.Error(path, $"sectionName or port must be set: several parentRefs point to {parent.Kind} {YamlScalars.Quote(parent.Name)}");
                }
                else if (!seen.Add((parent.SectionName ?? "", parent.Port ?? 0)))
                {
                    context.Error(path, $"duplicate parentRef to {parent.Kind} {YamlScalars.Quote(parent.Name)} with the same sectionName and port");
                }
            }
        }
    }

    public static void ValidateBackendRef(BackendObjectReference backend, string path, DocumentContext context)
    {
        if (backend.Group.Length == 0 && backend.Kind == "Service" && backend.Port is null)
        {
            context.Error(FieldPath.Child(path, "port"), "required for a Service backend");
        }
    }

    public static void ValidateRuleNames(IEnumerable<string?> names, DocumentContext context)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var name in names)
        {
            if (name is not null && !seen.TryAdd(name, index))
            {
                context.Error(FieldPath.Child(FieldPath.Index("spec.rules", index), "name"), $"duplicate rule name {YamlScalars.Quote(name)} (also spec.rules[{seen[name]}])");
            }

            index++;
        }
    }

    /// <summary>TCPRoute and TLSRoute.</summary>
    public static void ValidateL4(List<ParentReference> parents, List<L4RouteRule> rules, DocumentContext context)
    {
        ValidateParentRefs(parents, context);
        ValidateRuleNames(rules.Select(r => r.Name), context);
        for (var r = 0; r < rules.Count; r++)
        {
            for (var b = 0; b < rules[r].BackendRefs.Count; b++)
            {
                ValidateBackendRef(rules[r].BackendRefs[b], FieldPath.Index(FieldPath.Child(FieldPath.Index("spec.rules", r), "backendRefs"), b), context);
            }
        }
    }

    public static void ValidateTimeoutOrder(string? request, string? backendRequest, string path, DocumentContext context)
    {
        if (request is not null && backendRequest is not null
            && Duration.TryParse(request, out var total) && Duration.TryParse(backendRequest, out var perBackend)
            && total > TimeSpan.Zero && perBackend > total)
        {
            context.Error(FieldPath.Child(path, "backendRequest"), $"must not be longer than the request timeout ({request})");
        }
    }

    public static void ValidateSessionPersistence(SessionPersistence? session, string path, DocumentContext context)
    {
        if (session is null)
        {
            return;
        }

        if (session.CookieConfig is not null && session.Type != SessionPersistenceType.Cookie)
        {
            context.Error(FieldPath.Child(path, "cookieConfig"), "only allowed with type Cookie");
        }

        if (session.CookieConfig?.LifetimeType == CookieLifetimeType.Permanent && session.AbsoluteTimeout is null)
        {
            context.Error(FieldPath.Child(path, "absoluteTimeout"), "required when cookieConfig.lifetimeType is Permanent");
        }
    }
}
