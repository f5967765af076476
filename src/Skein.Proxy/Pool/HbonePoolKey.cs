using System.Net;

namespace Skein.Proxy.Pool;

/// <summary>What makes two tunnels shareable on one connection (DESIGN §4): source and destination identity and addresses.</summary>
/// <remarks>
/// An empty identity means plaintext h2c; a TLS connection is never shared with a plaintext one. <paramref name="Via"/> is the
/// network gateway a connection runs through (its transport is a tunnel to the gateway), null for a direct connection.
/// </remarks>
public readonly record struct HbonePoolKey(string SourceIdentity, string DestinationIdentity, IPAddress? SourceIp, IPEndPoint Destination, IPEndPoint? Via = null);
