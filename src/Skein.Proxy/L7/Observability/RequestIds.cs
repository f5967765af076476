namespace Skein.Proxy.L7.Observability;

/// <summary>New <c>x-request-id</c> values: random (version 4) UUIDs in their usual text form, as Envoy generates.</summary>
/// <remarks>
/// From <see cref="Random.Shared"/> rather than <see cref="Guid.NewGuid"/>: a request id has to be unique, not
/// unpredictable, and <see cref="Guid.NewGuid"/> asks the kernel for random bytes on every call (a system call
/// per request on Linux), which showed in the gateway's profile.
/// </remarks>
public static class RequestIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
