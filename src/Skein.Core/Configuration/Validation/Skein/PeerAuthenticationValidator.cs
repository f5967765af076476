using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>PeerAuthentication rules: numeric port keys, and per-port modes only with a selector (as in Istio).</summary>
internal static class PeerAuthenticationValidator
{
    public static void Validate(PeerAuthenticationResource policy, DocumentContext context)
    {
        var spec = policy.Spec;
        LabelRules.ValidateLabels(spec.Selector?.MatchLabels, "spec.selector.matchLabels", context);
        if (spec.PortLevelMtls is not { Count: > 0 } ports)
        {
            return;
        }

        if (spec.Selector is null)
        {
            context.Error("spec.portLevelMtls", "requires spec.selector: per-port modes apply to selected workloads");
        }

        foreach (var port in ports.Keys)
        {
            if (!NetRules.IsPort(port))
            {
                context.Error(FieldPath.Key("spec.portLevelMtls", port), $"{YamlScalars.Quote(port)} is not a valid port: use a number from 1 to 65535");
            }
        }
    }
}
