namespace Skein.Proxy.Hbone;

/// <summary>A stateless HPACK encoder: static-table indexes and literals without indexing, no Huffman.</summary>
/// <remarks>
/// Never touching the dynamic table means header blocks can be encoded on any thread in any order and
/// the peer's SETTINGS_HEADER_TABLE_SIZE never matters. CONNECT tunnels send a handful of headers once,
/// so the lost compression is negligible.
/// </remarks>
internal static class HpackEncoder
{
    /// <summary>A safe upper bound for one encoded field: two 5-octet integers and a representation octet.</summary>
    public static int GetMaxEncodedLength(string name, string value) => name.Length + value.Length + 12;

    /// <summary>Encodes one field, choosing the shortest representation the static table allows.</summary>
    public static int EncodeField(Span<byte> destination, string name, string value)
    {
        var full = HpackStaticTable.FindField(name, value);
        if (full != 0)
        {
            // Indexed header field (§6.1).
            return WriteInteger(destination, full, 7, 0x80);
        }

        var pos = 0;
        var nameIndex = HpackStaticTable.FindName(name);
        if (nameIndex != 0)
        {
            // Literal without indexing, indexed name (§6.2.2).
            pos = WriteInteger(destination, nameIndex, 4, 0x00);
        }
        else
        {
            destination[pos++] = 0x00;
            pos += WriteString(destination.Slice(pos), name);
        }
        pos += WriteString(destination.Slice(pos), value);
        return pos;
    }

    /// <summary>Writes an N-bit prefix integer (§5.1), OR-ing <paramref name="flags"/> into the first octet.</summary>
    internal static int WriteInteger(Span<byte> destination, int value, int prefixBits, byte flags)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            destination[0] = (byte)(flags | value);
            return 1;
        }
        destination[0] = (byte)(flags | max);
        value -= max;
        var pos = 1;
        while (value >= 0x80)
        {
            destination[pos++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }
        destination[pos++] = (byte)value;
        return pos;
    }

    /// <summary>Writes a raw (non-Huffman) string literal; chars above 0xFF are rejected rather than mangled.</summary>
    internal static int WriteString(Span<byte> destination, string value)
    {
        var pos = WriteInteger(destination, value.Length, 7, 0x00);
        foreach (var c in value)
        {
            if (c > 0xFF)
            {
                throw new ArgumentException("header text must be Latin-1 (one octet per char)", nameof(value));
            }
            destination[pos++] = (byte)c;
        }
        return pos;
    }
}
