namespace Skein.Proxy.Outbound;

/// <summary>Why an outbound connection could not be made; each maps to a SOCKS reply and an HTTP status.</summary>
public enum OutboundError
{
    None,
    UnknownHost,
    NoEndpoints,
    PortNotExposed,
    ConnectFailed,
    Denied,
}
