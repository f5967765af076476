namespace Skein.Proxy.Capture;

/// <summary>Whether the node proxy takes transparently redirected traffic (DESIGN §6, capture mode 1), and who installs the redirect.</summary>
public enum CaptureMode
{
    /// <summary>No transparent capture: localhost upstreams and SOCKS5/HTTP CONNECT only.</summary>
    None,

    /// <summary>The proxy listens on 15001/15006/15008 and applies its nftables rules on start (removes them on stop).</summary>
    Nftables,

    /// <summary>The proxy listens on 15001/15006/15008; the rules are installed by someone else (<c>skein capture rules</c>).</summary>
    External,
}
