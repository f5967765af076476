using System.Net;

namespace Skein.Proxy.Pool;

/// <summary>What makes two tunnels shareable on one connection (DESIGN §4): source and destination identity and addresses.</summary>
/// <remarks>An empty identity means plaintext h2c; a TLS connection is never shared with a plaintext one.</remarks>
public readonly record struct HbonePoolKey(string SourceIdentity, string DestinationIdentity, IPAddress? SourceIp, IPEndPoint Destination);
