using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>One listener of a Gateway (or of a ListenerSet attached to it) as the compiler judged it: validity, certificates and the routes attached.</summary>
public sealed class ListenerState(Listener spec, ListenerOwner owner)
{
    public Listener Spec { get; } = spec;

    /// <summary>The Gateway or ListenerSet that declares the listener.</summary>
    public ListenerOwner Owner { get; } = owner;

    /// <summary>
    /// The listener's name in the L7 resource: its own for the Gateway's listeners, "namespace/listenerset/name" for a
    /// ListenerSet's, whose names need only be unique in their set.
    /// </summary>
    public string ProtoName => Owner.IsListenerSet ? $"{Owner.Namespace}/{Owner.Name}/{Spec.Name}" : Spec.Name;

    /// <summary>False for unsupported protocols and conflicts: no route attaches.</summary>
    public bool Accepted { get; set; } = true;

    public string AcceptedReason { get; set; } = "Accepted";

    public string AcceptedMessage { get; set; } = "";

    public string? ConflictReason { get; set; }

    public string ConflictMessage { get; set; } = "";

    public string ResolvedRefsReason { get; set; } = "ResolvedRefs";

    public string ResolvedRefsMessage { get; set; } = "";

    public bool ResolvedRefs => ResolvedRefsReason == "ResolvedRefs";

    /// <summary>Whether certificate references resolved (route kind problems do not stop a listener serving).</summary>
    public bool CertificatesResolved { get; set; } = true;

    public List<string> SupportedKinds { get; } = [];

    public List<SkeinProto.Certificate> Certificates { get; } = [];

    /// <summary>HTTPS: the client certificate validation proxies apply (spec.tls.frontend), when one resolved.</summary>
    public SkeinProto.ClientCertValidation? ClientValidation { get; set; }

    /// <summary>Routes attached (accepted for this listener), with the hostnames they serve here.</summary>
    public List<AttachedRoute> Routes { get; } = [];

    /// <summary>Whether proxies get this listener.</summary>
    public bool Programmed => Accepted && ConflictReason is null && CertificatesResolved && (SupportedKinds.Count > 0 || Spec.Protocol == "HBONE");
}

/// <summary>A route accepted on a listener, with the effective hostnames (route ∩ listener).</summary>
public sealed record AttachedRoute(RouteInfo Route, IReadOnlyList<string> Hostnames);
