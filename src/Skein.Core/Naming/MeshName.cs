namespace Skein.Core.Naming;

/// <summary>A service name as a client writes it: <c>svc</c>, <c>svc.ns</c>, <c>svc.ns.svc</c> or <c>svc.ns.svc.cluster.local</c>.</summary>
public readonly record struct MeshName(string Service, string? Namespace)
{
    public const string ClusterDomain = "cluster.local";

    /// <summary>The fully-qualified hostname of a service, as Kubernetes spells it.</summary>
    public static string Hostname(string service, string ns) => $"{service}.{ns}.svc.{ClusterDomain}";

    /// <summary>Parses a host into a mesh name; returns false for names that cannot be mesh services (IPs, foreign domains).</summary>
    public static bool TryParse(string host, out MeshName name)
    {
        name = default;
        if (string.IsNullOrEmpty(host) || System.Net.IPAddress.TryParse(host, out _))
        {
            return false;
        }

        var h = host.TrimEnd('.').ToLowerInvariant();
        var parts = h.Split('.');
        switch (parts.Length)
        {
            case 1:
                name = new MeshName(parts[0], null);
                return true;
            case 2:
                name = new MeshName(parts[0], parts[1]);
                return true;
            case 3 when parts[2] == "svc":
                name = new MeshName(parts[0], parts[1]);
                return true;
            default:
                if (parts.Length == 5 && parts[2] == "svc" && $"{parts[3]}.{parts[4]}" == ClusterDomain)
                {
                    name = new MeshName(parts[0], parts[1]);
                    return true;
                }

                return false;
        }
    }
}
