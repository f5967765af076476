using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Service rules: port naming and uniqueness, clusterIP, ExternalName, selector labels.</summary>
internal static class ServiceValidator
{
    public static void Validate(ServiceResource service, DocumentContext context)
    {
        var spec = service.Spec;
        LabelRules.ValidateLabels(spec.Selector, "spec.selector", context);

        if (spec.ClusterIP is { Length: > 0 } clusterIp && clusterIp != "None" && !NetRules.IsIpAddress(clusterIp))
        {
            context.Error("spec.clusterIP", $"{YamlScalars.Quote(clusterIp)} is not valid: use an IP address, \"None\" (headless) or leave it empty");
        }

        if (spec.Type == ServiceType.ExternalName && string.IsNullOrEmpty(spec.ExternalName))
        {
            context.Error("spec.externalName", "required when type is ExternalName");
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var ports = new Dictionary<(int, ServiceProtocol), int>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            var path = FieldPath.Index("spec.ports", i);
            if (spec.Ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                context.Error(FieldPath.Child(path, "name"), "required when the Service has more than one port");
            }
            else if (port.Name is { } name && !names.TryAdd(name, i))
            {
                context.Error(FieldPath.Child(path, "name"), $"duplicate port name {YamlScalars.Quote(name)} (also spec.ports[{names[name]}])");
            }

            if (!ports.TryAdd((port.Port, port.Protocol), i))
            {
                context.Error(FieldPath.Child(path, "port"), $"duplicate port {port.Port}/{port.Protocol} (also spec.ports[{ports[(port.Port, port.Protocol)]}])");
            }

            ValidateTargetPort(port.TargetPort, FieldPath.Child(path, "targetPort"), context);
        }
    }

    private static void ValidateTargetPort(IntOrString? target, string path, DocumentContext context)
    {
        if (target?.Number is { } number && number is < 1 or > 65535)
        {
            context.Error(path, $"must be between 1 and 65535, got {number}");
        }
        else if (target?.Name is { } name && !NameRules.IsPortName(name))
        {
            context.Error(path, $"{YamlScalars.Quote(name)} is not a valid port number or port name (a name has at most 15 lowercase letters, digits and '-', with at least one letter)");
        }
    }
}
