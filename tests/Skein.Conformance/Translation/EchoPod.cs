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

    /// <summary>Ports on which the echo terminates TLS first (TCP echo: TLS_PORT, default 8443; HTTP echo: 8443 when TLS_SERVER_CERT is set).</summary>
    public IReadOnlyList<int> TlsPorts { get; init; } = [];

    /// <summary>The certificate an HTTP echo serves its TLS ports with (upstream's TLS_SERVER_CERT/TLS_SERVER_PRIVKEY/TLS_CLIENT_CACERTS files).</summary>
    public EchoTlsFiles? TlsFiles { get; init; }
}

/// <summary>Where the files an echo pod's TLS environment names come from: keys of mounted Secrets and ConfigMaps.</summary>
public sealed record EchoTlsFiles(MountedKey Certificate, MountedKey PrivateKey, MountedKey? ClientCa);
