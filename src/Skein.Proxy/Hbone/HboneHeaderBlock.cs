using System.Buffers;

namespace Skein.Proxy.Hbone;

/// <summary>Encodes a header list into a pooled buffer for HEADERS; dispose returns the buffer.</summary>
internal readonly struct HboneHeaderBlock : IDisposable
{
    private readonly byte[] _buffer;

    private HboneHeaderBlock(byte[] buffer, int length)
    {
        _buffer = buffer;
        Memory = buffer.AsMemory(0, length);
    }

    public ReadOnlyMemory<byte> Memory { get; }

    public static HboneHeaderBlock Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        // Indexed loops: foreach over the interface would box an enumerator per pass, per stream.
        var size = 0;
        for (var i = 0; i < headers.Count; i++)
        {
            size += HpackEncoder.GetMaxEncodedLength(headers[i].Key, headers[i].Value);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 64));
        try
        {
            var length = 0;
            for (var i = 0; i < headers.Count; i++)
            {
                length += HpackEncoder.EncodeField(buffer.AsSpan(length), headers[i].Key, headers[i].Value);
            }
            return new HboneHeaderBlock(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
