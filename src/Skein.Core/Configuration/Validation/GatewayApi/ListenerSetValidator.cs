using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>ListenerSet rules from the upstream CRD: a Gateway parent, and listeners under the Gateway's listener rules.</summary>
internal static class ListenerSetValidator
{
    public static void Validate(ListenerSetResource listenerSet, DocumentContext context)
    {
        var parent = listenerSet.Spec.ParentRef;
        if (parent.Group != ApiVersions.GatewayGroup)
        {
            context.Error("spec.parentRef.group", $"invalid value {YamlScalars.Quote(parent.Group)}: must be {ApiVersions.GatewayGroup}");
        }

        if (parent.Kind != "Gateway")
        {
            context.Error("spec.parentRef.kind", $"invalid value {YamlScalars.Quote(parent.Kind)}: must be Gateway");
        }

        GatewayValidator.ValidateListeners(listenerSet.Spec.Listeners, "spec.listeners", context);
    }
}
