using System.Net;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>A Kestrel endpoint bound to no socket: connections are handed to it by Skein (<see cref="InjectedConnectionListenerFactory"/>).</summary>
public sealed class InjectedEndPoint(string name) : EndPoint
{
    public string Name { get; } = name;

    public override string ToString() => $"injected:{Name}";
}
