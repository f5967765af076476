using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Workload rules: unique addresses, port map, upstream references and local port clashes.</summary>
internal static class WorkloadValidator
{
    private const string DefaultBindAddress = "127.0.0.1";

    public static void Validate(WorkloadResource workload, DocumentContext context)
    {
        var spec = workload.Spec;
        var addresses = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Addresses.Count; i++)
        {
            if (!addresses.TryAdd(spec.Addresses[i], i))
            {
                context.Error(FieldPath.Index("spec.addresses", i), $"duplicate address {YamlScalars.Quote(spec.Addresses[i])} (also spec.addresses[{addresses[spec.Addresses[i]]}])");
            }
        }

        foreach (var (name, port) in spec.Ports ?? [])
        {
            var path = FieldPath.Key("spec.ports", name);
            if (!NameRules.IsDnsLabel(name))
            {
                context.Error(path, $"{YamlScalars.Quote(name)} is not a valid port name: use {NameRules.DnsLabelRule}");
            }

            if (port is < 1 or > 65535)
            {
                context.Error(path, $"must be between 1 and 65535, got {port}");
            }
        }

        var localPorts = new Dictionary<(string, int), int>();
        for (var i = 0; i < spec.Upstreams.Count; i++)
        {
            var upstream = spec.Upstreams[i];
            var path = FieldPath.Index("spec.upstreams", i);
            if (!IsServiceReference(upstream.Service))
            {
                context.Error(FieldPath.Child(path, "service"), $"{YamlScalars.Quote(upstream.Service)} is not a valid service reference: use \"name\" or \"name.namespace\" (DNS labels)");
            }

            var bind = (upstream.BindAddress ?? DefaultBindAddress, upstream.LocalPort);
            if (!localPorts.TryAdd(bind, i))
            {
                context.Error(FieldPath.Child(path, "localPort"), $"{bind.Item1}:{bind.LocalPort} is already used by spec.upstreams[{localPorts[bind]}]");
            }
        }
    }

    private static bool IsServiceReference(string value)
    {
        var parts = value.Split('.');
        return parts.Length is 1 or 2 && parts.All(NameRules.IsDnsLabel);
    }
}
