namespace Skein.Proxy.Transport;

/// <summary>How the hop to an endpoint is protected; reported in stats and logs, never guessed.</summary>
public enum HopSecurity
{
    /// <summary>Plain TCP to a destination outside the mesh.</summary>
    Passthrough,

    /// <summary>HBONE over mutual TLS between SPIFFE identities.</summary>
    Mtls,

    /// <summary>HBONE over plaintext h2c, because the destination's PeerAuthentication allows or demands it.</summary>
    Plaintext,
}

/// <summary>An open hop: the byte stream and how it is secured.</summary>
public sealed record HopStream(Stream Stream, HopSecurity Security);
