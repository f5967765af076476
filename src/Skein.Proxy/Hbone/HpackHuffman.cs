namespace Skein.Proxy.Hbone;

/// <summary>The HPACK Huffman code (RFC 7541 Appendix B): decoding, plus encoding for tests and size estimates.</summary>
/// <remarks>
/// The RFC's code is canonical: within one bit length, codes are consecutive in symbol order, and each
/// length starts where the previous one ended, shifted left. So the code lengths alone define every code,
/// and decoding needs only per-length counts and the symbols sorted by (length, symbol).
/// </remarks>
internal static class HpackHuffman
{
    public const int EosSymbol = 256;
    private const int MaxCodeLength = 30;

    /// <summary>Code length in bits for symbols 0..255 and EOS (256), transcribed from RFC 7541 Appendix B.</summary>
    internal static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0..15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16..31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         //  32..47  ' ' .. '/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              //  48..63  '0' .. '?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                //  64..79  '@' .. 'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             //  80..95  'P' .. '_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                //  96..111 '`' .. 'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 112..127 'p' .. DEL
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128..143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144..159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160..175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176..191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192..207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208..223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224..239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240..255
        30,                                                             // EOS
    ];

    private static readonly uint[] Codes = new uint[257];
    private static readonly int[] CountPerLength = new int[MaxCodeLength + 1];
    private static readonly short[] SymbolsByCode = new short[257];

    static HpackHuffman()
    {
        var lengths = CodeLengths;
        for (var symbol = 0; symbol < lengths.Length; symbol++)
        {
            CountPerLength[lengths[symbol]]++;
        }

        // Symbols sorted by (length, symbol): a stable pass per length keeps symbol order.
        var firstIndex = new int[MaxCodeLength + 2];
        for (var length = 1; length <= MaxCodeLength; length++)
        {
            firstIndex[length + 1] = firstIndex[length] + CountPerLength[length];
        }
        var next = (int[])firstIndex.Clone();
        for (var symbol = 0; symbol < lengths.Length; symbol++)
        {
            SymbolsByCode[next[lengths[symbol]]++] = (short)symbol;
        }

        uint code = 0;
        var sorted = 0;
        for (var length = 1; length <= MaxCodeLength; length++)
        {
            for (var i = 0; i < CountPerLength[length]; i++)
            {
                Codes[SymbolsByCode[sorted++]] = code++;
            }
            code <<= 1;
        }
    }

    /// <summary>The code for a symbol, right-aligned, as printed in the RFC's "code as hex" column.</summary>
    public static (uint Code, int Length) GetCode(int symbol) => (Codes[symbol], CodeLengths[symbol]);

    /// <summary>An upper bound for the decoded length: the shortest code is 5 bits.</summary>
    public static int GetMaxDecodedLength(int encodedLength) => (encodedLength * 8 + 4) / 5;

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/> and returns the decoded length.</summary>
    /// <exception cref="HpackException">EOS inside the string, padding longer than 7 bits, or padding that is not all ones.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        // Canonical decoding: walk bit by bit, comparing against each length's first code.
        var code = 0;      // bits of the symbol being decoded
        var first = 0;     // first code of the current length
        var index = 0;     // index into SymbolsByCode of the first symbol of the current length
        var length = 0;    // bits consumed for the current symbol
        var allOnes = true;
        foreach (var octet in source)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var b = (octet >> bit) & 1;
                code = (code << 1) | b;
                allOnes &= b == 1;
                length++;
                var count = CountPerLength[length];
                if (code - first < count)
                {
                    var symbol = SymbolsByCode[index + code - first];
                    if (symbol == EosSymbol)
                    {
                        throw new HpackException("Huffman string contains EOS");
                    }
                    if (written == destination.Length)
                    {
                        throw new HpackException("Huffman string longer than expected");
                    }
                    destination[written++] = (byte)symbol;
                    code = first = index = length = 0;
                    allOnes = true;
                    continue;
                }
                first = (first + count) << 1;
                index += count;
                if (length == MaxCodeLength)
                {
                    throw new HpackException("invalid Huffman code");
                }
            }
        }

        // Leftover bits are padding: the most significant bits of EOS (all ones), at most 7 of them.
        if (length > 7 || !allOnes)
        {
            throw new HpackException("invalid Huffman padding");
        }
        return written;
    }

    /// <summary>The encoded length in octets of <paramref name="source"/>.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (var b in source)
        {
            bits += CodeLengths[b];
        }
        return (int)((bits + 7) / 8);
    }

    /// <summary>Encodes <paramref name="source"/>, padding with EOS bits; the destination must hold <see cref="GetEncodedLength"/> octets.</summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ulong buffer = 0;
        var bits = 0;
        var written = 0;
        foreach (var b in source)
        {
            buffer = (buffer << CodeLengths[b]) | Codes[b];
            bits += CodeLengths[b];
            while (bits >= 8)
            {
                bits -= 8;
                destination[written++] = (byte)(buffer >> bits);
            }
        }
        if (bits > 0)
        {
            destination[written++] = (byte)((buffer << (8 - bits)) | (0xFFu >> bits));
        }
        return written;
    }
}
