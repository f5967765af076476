using System.Net;

namespace Skein.Conformance.Translation;

/// <summary>What an echo pod speaks (upstream's echo image switches with GRPC_ECHO_SERVER / TCP_ECHO_SERVER).</summary>
public enum EchoMode
{
    /// <summary>The HTTP echo (JSON description of each request).</summary>
    Http,

    /// <summary>The gRPC echo (GrpcEcho Echo/EchoTwo/EchoThree).</summary>
    Grpc,

    /// <summary>The TCP line echo (welcome line; PING, IS_TLS, TEST).</summary>
    Tcp,
}

/// <summary>One replica of a translated Deployment: an echo process serving <see cref="Ports"/> on <see cref="Address"/>.</summary>
public sealed record EchoPod(string Name, string Namespace, string Deployment, IPAddress Address, IReadOnlyList<int> Ports)
{
    /// <summary>The protocol the pod speaks.</summary>
    public EchoMode Mode { get; init; } = EchoMode.Http;

    /// <summary>Ports on which a TCP echo terminates TLS first (upstream: TLS_PORT, default 8443).</summary>
    public IReadOnlyList<int> TlsPorts { get; init; } = [];
}
