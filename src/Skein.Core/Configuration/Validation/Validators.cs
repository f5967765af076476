using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Dispatches a bound resource to its kind's cross-field rules.</summary>
internal static class Validators
{
    public static void Run(Resource resource, DocumentContext context)
    {
        switch (resource)
        {
            case ServiceResource r: ServiceValidator.Validate(r, context); break;
            case SecretResource r: SecretValidator.Validate(r, context); break;
            case ConfigMapResource r: ConfigMapValidator.Validate(r, context); break;
            case WorkloadResource r: WorkloadValidator.Validate(r, context); break;
            case AuthorizationPolicyResource r: AuthorizationPolicyValidator.Validate(r, context); break;
            case PeerAuthenticationResource r: PeerAuthenticationValidator.Validate(r, context); break;
            case TrafficPolicyResource r: TrafficPolicyValidator.Validate(r, context); break;
            case MeshFederationResource r: MeshFederationValidator.Validate(r, context); break;
            case TelemetryResource r: LabelRules.ValidateLabels(r.Spec.Selector?.MatchLabels, "spec.selector.matchLabels", context); break;
            case GatewayResource r: GatewayValidator.Validate(r, context); break;
            case HTTPRouteResource r: HTTPRouteValidator.Validate(r, context); break;
            case GRPCRouteResource r: GRPCRouteValidator.Validate(r, context); break;
            case TCPRouteResource r: RouteRules.ValidateL4(r.Spec.ParentRefs, r.Spec.Rules, context); break;
            case TLSRouteResource r: RouteRules.ValidateL4(r.Spec.ParentRefs, r.Spec.Rules, context); break;
            case BackendTLSPolicyResource r: BackendTLSPolicyValidator.Validate(r, context); break;
            case ListenerSetResource r: ListenerSetValidator.Validate(r, context); break;
            default: break;
        }
    }
}
