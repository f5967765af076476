using System.Security.Cryptography;
using Google.Protobuf;

namespace Skein.Core.Xds;

/// <summary>Content-derived xDS resource versions.</summary>
/// <remarks>
/// A version is a hash of the serialized resource, so it is stable across control plane restarts:
/// a reconnecting proxy that reports the versions it holds receives only what really changed.
/// </remarks>
public static class ResourceVersion
{
    public static string Of(IMessage message)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(message.ToByteArray(), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }
}
