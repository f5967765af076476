using System.Net;

namespace Skein.Proxy.Outbound;

/// <summary>Where a client asked to go: a host name or an IP, and a port.</summary>
public readonly record struct Destination(string? Host, IPAddress? Ip, int Port)
{
    public override string ToString() => Ip is { } ip ? new IPEndPoint(ip, Port).ToString() : $"{Host}:{Port}";
}
