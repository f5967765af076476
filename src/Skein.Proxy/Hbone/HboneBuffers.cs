using System.Buffers;

namespace Skein.Proxy.Hbone;

/// <summary>The pool for received DATA segments.</summary>
/// <remarks>
/// A stream can hold a whole receive window of segments when its reader lags, then hand them back in bursts.
/// The shared ArrayPool keeps only a few arrays per size per core, so those bursts overflow it and the next
/// frames allocate; this pool keeps enough per size for a 4 MiB window of 32 KiB frames. It only retains what
/// was actually in use at a peak, and sizes above 1 MiB (frames larger than the default settings allow) are
/// left to the shared pool.
/// </remarks>
internal static class HboneBuffers
{
    public const int MaxPooledLength = 1024 * 1024;

    /// <summary>Small DATA payloads are packed together into segments of at least this size.</summary>
    public const int MinSegmentSize = 16 * 1024;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(MaxPooledLength, maxArraysPerBucket: 128);

    public static byte[] Rent(int length) => length <= MaxPooledLength ? Pool.Rent(length) : ArrayPool<byte>.Shared.Rent(length);

    public static void Return(byte[] array)
    {
        if (array.Length <= MaxPooledLength)
        {
            Pool.Return(array);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
