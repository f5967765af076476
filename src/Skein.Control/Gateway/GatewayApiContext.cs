using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Lookups over one snapshot that the Gateway API compilation needs (services, secrets, namespaces, grants).</summary>
public sealed class GatewayApiContext
{
    private readonly Dictionary<(string Namespace, string Name), ServiceResource> _services = [];
    private readonly Dictionary<(string Namespace, string Name), SecretResource> _secrets = [];
    private readonly Dictionary<(string Namespace, string Name), ConfigMapResource> _configMaps = [];

    public GatewayApiContext(ConfigSnapshot snapshot, string trustDomain, DateTimeOffset now)
    {
        Snapshot = snapshot;
        TrustDomain = trustDomain;
        Now = now;
        foreach (var service in snapshot.OfType<ServiceResource>())
        {
            _services[(service.Key.Namespace, service.Metadata.Name)] = service;
        }

        foreach (var secret in snapshot.OfType<SecretResource>())
        {
            _secrets[(secret.Key.Namespace, secret.Metadata.Name)] = secret;
        }

        foreach (var configMap in snapshot.OfType<ConfigMapResource>())
        {
            _configMaps[(configMap.Key.Namespace, configMap.Metadata.Name)] = configMap;
        }

        Namespaces = new NamespaceLabels(snapshot.OfType<NamespaceResource>());
        Grants = new ReferenceGrants(snapshot.OfType<ReferenceGrantResource>());
        BackendTls = new BackendTlsPolicies(snapshot);
    }

    public ConfigSnapshot Snapshot { get; }

    public string TrustDomain { get; }

    /// <summary>The time written as lastTransitionTime.</summary>
    public DateTimeOffset Now { get; }

    public NamespaceLabels Namespaces { get; }

    public ReferenceGrants Grants { get; }

    /// <summary>BackendTLSPolicies by the Service ports they govern; records which routes use them.</summary>
    public BackendTlsPolicies BackendTls { get; }

    public ServiceResource? FindService(string ns, string name) => _services.GetValueOrDefault((ns, name));

    public SecretResource? FindSecret(string ns, string name) => _secrets.GetValueOrDefault((ns, name));

    public ConfigMapResource? FindConfigMap(string ns, string name) => _configMaps.GetValueOrDefault((ns, name));

    public IEnumerable<ServiceResource> Services => _services.Values;
}
