using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Gateway rules from the upstream CRD: distinct listeners, TLS per protocol, addresses, per-port TLS.</summary>
internal static class GatewayValidator
{
    private static readonly string[] PlainProtocols = ["HTTP", "TCP", "UDP"];

    public static void Validate(GatewayResource gateway, DocumentContext context)
    {
        var spec = gateway.Spec;
        ValidateListeners(spec.Listeners, "spec.listeners", context);
        ValidateAddresses(spec.Addresses, context);

        if (spec.Infrastructure is { } infrastructure)
        {
            LabelRules.ValidateLabels(infrastructure.Labels, "spec.infrastructure.labels", context);
            foreach (var key in infrastructure.Annotations.Keys)
            {
                if (FormatRules.Check(FieldFormat.QualifiedName, key) is { } problem)
                {
                    context.Error(FieldPath.Key("spec.infrastructure.annotations", key), problem);
                }
            }
        }

        if (spec.AllowedListeners?.Namespaces is { From: FromNamespaces.Selector, Selector: null })
        {
            context.Error("spec.allowedListeners.namespaces.selector", "required when from is Selector");
        }

        if (spec.Tls?.Frontend is { } frontend)
        {
            var ports = new Dictionary<int, int>();
            for (var i = 0; i < frontend.PerPort.Count; i++)
            {
                if (!ports.TryAdd(frontend.PerPort[i].Port, i))
                {
                    context.Error(FieldPath.Child(FieldPath.Index("spec.tls.frontend.perPort", i), "port"), $"duplicate port {frontend.PerPort[i].Port} (also spec.tls.frontend.perPort[{ports[frontend.PerPort[i].Port]}])");
                }
            }
        }
    }

    /// <summary>Listener rules shared by Gateways and ListenerSets (<paramref name="field"/> is the list's path).</summary>
    public static void ValidateListeners(List<Listener> listeners, string field, DocumentContext context)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var endpoints = new Dictionary<(int, string, string), int>();
        for (var i = 0; i < listeners.Count; i++)
        {
            var listener = listeners[i];
            var path = FieldPath.Index(field, i);
            if (!names.TryAdd(listener.Name, i))
            {
                context.Error(FieldPath.Child(path, "name"), $"duplicate listener name {YamlScalars.Quote(listener.Name)} (also {field}[{names[listener.Name]}])");
            }

            if (!endpoints.TryAdd((listener.Port, listener.Protocol, listener.Hostname ?? ""), i))
            {
                context.Error(path, $"port, protocol and hostname are the same as {field}[{endpoints[(listener.Port, listener.Protocol, listener.Hostname ?? "")]}]");
            }

            if (listener.Tls is { } tls)
            {
                if (PlainProtocols.Contains(listener.Protocol, StringComparer.Ordinal))
                {
                    context.Error(FieldPath.Child(path, "tls"), $"must not be set for protocol {listener.Protocol}");
                }
                else if (listener.Protocol == "HTTPS" && tls.Mode != TLSModeType.Terminate)
                {
                    context.Error(FieldPath.Child(path, "tls.mode"), "must be Terminate for protocol HTTPS");
                }
                else if (tls.Mode == TLSModeType.Terminate && tls.CertificateRefs.Count == 0 && tls.Options.Count == 0)
                {
                    context.Error(FieldPath.Child(path, "tls.certificateRefs"), "certificateRefs or options must be set when mode is Terminate");
                }
            }

            if (listener.Hostname is not null && listener.Protocol is "TCP" or "UDP")
            {
                context.Error(FieldPath.Child(path, "hostname"), $"must not be set for protocol {listener.Protocol}");
            }

            if (listener.AllowedRoutes?.Namespaces is { } namespaces)
            {
                var namespacesPath = FieldPath.Child(path, "allowedRoutes.namespaces");
                if (namespaces.From == FromNamespaces.None)
                {
                    context.Error(FieldPath.Child(namespacesPath, "from"), "invalid value \"None\": must be one of All, Selector, Same");
                }
                else if (namespaces.From == FromNamespaces.Selector && namespaces.Selector is null)
                {
                    context.Error(FieldPath.Child(namespacesPath, "selector"), "required when from is Selector");
                }

                LabelRules.ValidateSelector(namespaces.Selector, FieldPath.Child(namespacesPath, "selector"), context);
            }
        }
    }

    private static void ValidateAddresses(List<GatewaySpecAddress> addresses, DocumentContext context)
    {
        var seen = new Dictionary<(string, string), int>();
        for (var i = 0; i < addresses.Count; i++)
        {
            var address = addresses[i];
            var valuePath = FieldPath.Child(FieldPath.Index("spec.addresses", i), "value");

            // Only an explicit type is checked here; an untyped value is resolved (and reported in status) when the Gateway is programmed.
            if (address.Value is not { Length: > 0 } value || address.Type is not ("IPAddress" or "Hostname"))
            {
                continue;
            }

            if (address.Type == "IPAddress" && !NetRules.IsIpAddress(value))
            {
                context.Error(valuePath, $"{YamlScalars.Quote(value)} is not a valid IP address");
            }
            else if (address.Type == "Hostname" && FormatRules.Check(FieldFormat.Hostname, value) is { } problem)
            {
                context.Error(valuePath, problem);
            }
            else if (!seen.TryAdd((address.Type, value), i))
            {
                context.Error(valuePath, $"duplicate address {YamlScalars.Quote(value)} (also spec.addresses[{seen[(address.Type, value)]}])");
            }
        }
    }
}
