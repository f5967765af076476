using System.Net;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>A Gateway of a Skein class as judged: placement, addresses, listeners and the Gateway-level conditions.</summary>
public sealed class GatewayState
{
    public GatewayState(GatewayResource resource, string role, string node, IReadOnlyList<IPAddress> addresses, RequestedAddresses requested, IReadOnlyList<ListenerState> listeners)
    {
        Resource = resource;
        Role = role;
        Node = node;
        Addresses = addresses;
        Listeners = listeners;

        var validListeners = listeners.Count(l => l.Accepted && l.ConflictReason is null);
        if (resource.Spec.Infrastructure?.ParametersRef is { } parameters)
        {
            (AcceptedReason, AcceptedMessage) = ("InvalidParameters", $"parametersRef {parameters.Group}/{parameters.Kind} {parameters.Name}: Skein Gateways take no parameters");
        }
        else if (requested.Unsupported.Count > 0)
        {
            (AcceptedReason, AcceptedMessage) = ("UnsupportedAddress", $"only IPAddress addresses are supported: {string.Join(", ", requested.Unsupported)}");
        }
        else if (validListeners == 0)
        {
            (AcceptedReason, AcceptedMessage) = ("ListenersNotValid", "no listener is valid");
        }
        else
        {
            Accepted = true;
            (AcceptedReason, AcceptedMessage) = validListeners < listeners.Count
                ? ("ListenersNotValid", "some listeners are not valid; see their conditions")
                : ("Accepted", "");
        }

        if (!Accepted)
        {
            (ProgrammedReason, ProgrammedMessage) = ("Invalid", "the Gateway is not accepted");
        }
        else if (requested.Unusable.Count > 0)
        {
            (ProgrammedReason, ProgrammedMessage) = ("AddressNotUsable", $"addresses this host cannot bind: {string.Join(", ", requested.Unusable)}");
        }
        else if (addresses.Count == 0)
        {
            (ProgrammedReason, ProgrammedMessage) = ("AddressNotAssigned", "the gateway address pool is exhausted");
        }
        else
        {
            Programmed = true;
        }
    }

    public GatewayResource Resource { get; }

    public string Role { get; }

    public string Node { get; }

    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>The Gateway's own listeners (routes with a Gateway parentRef attach to these only).</summary>
    public IReadOnlyList<ListenerState> Listeners { get; }

    /// <summary>Accepted ListenerSets, in precedence order; their valid listeners are served after the Gateway's own.</summary>
    public List<ListenerSetState> ListenerSets { get; } = [];

    /// <summary>How many ListenerSets name this Gateway as their parent, attached or not.</summary>
    public int ListenerSetsTargeting { get; set; }

    public bool Accepted { get; }

    public string AcceptedReason { get; } = "";

    public string AcceptedMessage { get; } = "";

    public bool Programmed { get; }

    public string ProgrammedReason { get; } = "Programmed";

    public string ProgrammedMessage { get; } = "";

    /// <summary>spec.tls.backend.clientCertificateRef as resolved (reported in the Gateway's ResolvedRefs condition when set).</summary>
    public BackendClientCertificate BackendClientCertificate { get; init; } = BackendClientCertificate.None;
}
