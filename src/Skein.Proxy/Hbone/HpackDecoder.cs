using System.Buffers;
using System.Text;

namespace Skein.Proxy.Hbone;

/// <summary>An HPACK header block decoder (RFC 7541): static and dynamic tables, size updates, Huffman strings.</summary>
/// <remarks>
/// One decoder per connection direction: the dynamic table is shared by every header block the peer sends,
/// so blocks must be decoded in wire order, and a block that fails to decode leaves the table unusable
/// (the caller must end the connection with COMPRESSION_ERROR). Octets map to chars one to one (Latin-1)
/// so the RFC's octet-based table sizes equal string lengths and any value survives a round trip.
/// </remarks>
internal sealed class HpackDecoder
{
    private readonly HpackDynamicTable _table;
    private readonly int _maxTableSizeLimit;
    private readonly int _maxHeaderListSize;

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this endpoint advertised: the most a size update may ask for.</param>
    /// <param name="maxHeaderListSize">The largest decoded header list accepted, counted as the RFC does (name + value + 32).</param>
    public HpackDecoder(int maxTableSize = Http2Frames.DefaultHeaderTableSize, int maxHeaderListSize = 64 * 1024)
    {
        _maxTableSizeLimit = maxTableSize;
        _maxHeaderListSize = maxHeaderListSize;
        _table = new HpackDynamicTable(maxTableSize);
    }

    internal HpackDynamicTable DynamicTable => _table;

    /// <summary>Decodes one complete header block (HEADERS plus any CONTINUATION fragments) and appends its fields.</summary>
    public void Decode(ReadOnlySpan<byte> block, List<KeyValuePair<string, string>> headers)
    {
        var listSize = 0;
        var fieldSeen = false;
        var pos = 0;
        while (pos < block.Length)
        {
            var b = block[pos];
            string name, value;
            if ((b & 0x80) != 0)
            {
                // Indexed header field (§6.1).
                var index = ReadInteger(block, ref pos, 7);
                (name, value) = GetIndexed(index);
            }
            else if ((b & 0xC0) == 0x40)
            {
                // Literal with incremental indexing (§6.2.1).
                var index = ReadInteger(block, ref pos, 6);
                name = index == 0 ? ReadString(block, ref pos) : GetIndexed(index).Name;
                value = ReadString(block, ref pos);
                _table.Add(name, value);
            }
            else if ((b & 0xE0) == 0x20)
            {
                // Dynamic table size update (§6.3): only before the first field of a block (§4.2).
                if (fieldSeen)
                {
                    throw new HpackException("dynamic table size update after a header field");
                }
                var size = ReadInteger(block, ref pos, 5);
                if (size > _maxTableSizeLimit)
                {
                    throw new HpackException($"dynamic table size update to {size} exceeds the advertised {_maxTableSizeLimit}");
                }
                _table.SetMaxSize(size);
                continue;
            }
            else
            {
                // Literal without indexing (0000xxxx) or never indexed (0001xxxx) (§6.2.2, §6.2.3).
                var index = ReadInteger(block, ref pos, 4);
                name = index == 0 ? ReadString(block, ref pos) : GetIndexed(index).Name;
                value = ReadString(block, ref pos);
            }

            fieldSeen = true;
            listSize += name.Length + value.Length + HpackDynamicTable.EntryOverhead;
            if (listSize > _maxHeaderListSize)
            {
                throw new HpackException($"header list exceeds {_maxHeaderListSize} octets");
            }
            headers.Add(new KeyValuePair<string, string>(name, value));
        }
    }

    private (string Name, string Value) GetIndexed(int index)
    {
        if (index == 0)
        {
            throw new HpackException("index 0 is not a valid header field index");
        }
        return index <= HpackStaticTable.Count
            ? HpackStaticTable.Get(index)
            : _table.Get(index - HpackStaticTable.Count);
    }

    /// <summary>Reads an N-bit prefix integer (§5.1); values beyond int range or running past the block are errors.</summary>
    internal static int ReadInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = block[pos++] & mask;
        if (value < mask)
        {
            return value;
        }
        var shift = 0;
        while (true)
        {
            if (pos >= block.Length)
            {
                throw new HpackException("truncated integer");
            }
            var b = block[pos++];
            // 4 continuation octets carry 28 bits: anything beyond that cannot fit a sane length or index.
            if (shift > 21)
            {
                throw new HpackException("integer too large");
            }
            value += (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private string ReadString(ReadOnlySpan<byte> block, ref int pos)
    {
        if (pos >= block.Length)
        {
            throw new HpackException("truncated string");
        }
        var huffman = (block[pos] & 0x80) != 0;
        var length = ReadInteger(block, ref pos, 7);
        if (length > block.Length - pos)
        {
            throw new HpackException("string length exceeds the header block");
        }
        var raw = block.Slice(pos, length);
        pos += length;
        if (!huffman)
        {
            return length == 0 ? string.Empty : Encoding.Latin1.GetString(raw);
        }

        var max = HpackHuffman.GetMaxDecodedLength(length);
        if (max > _maxHeaderListSize)
        {
            max = _maxHeaderListSize;
        }
        byte[]? rented = null;
        Span<byte> scratch = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var written = HpackHuffman.Decode(raw, scratch.Slice(0, max));
            return written == 0 ? string.Empty : Encoding.Latin1.GetString(scratch.Slice(0, written));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
