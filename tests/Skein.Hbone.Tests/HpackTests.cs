using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>HPACK against the RFC 7541 Appendix B table and Appendix C examples.</summary>
public class HpackTests
{
    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("\n", ""));

    private static List<KeyValuePair<string, string>> Decode(HpackDecoder decoder, string hex)
    {
        var headers = new List<KeyValuePair<string, string>>();
        decoder.Decode(Hex(hex), headers);
        return headers;
    }

    private static void AssertHeaders(List<KeyValuePair<string, string>> actual, params (string Name, string Value)[] expected)
    {
        Assert.Equal(expected.Select(e => $"{e.Name}: {e.Value}"), actual.Select(h => $"{h.Key}: {h.Value}"));
    }

    private static void AssertTable(HpackDecoder decoder, int size, params (string Name, string Value)[] entries)
    {
        var table = decoder.DynamicTable;
        Assert.Equal(size, table.Size);
        Assert.Equal(entries.Length, table.Count);
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(entries[i], table.Get(i + 1));
        }
    }

    // ---- C.1 integer representation ----

    [Theory]
    [InlineData("0a", 5, 10)]     // C.1.1
    [InlineData("1f9a0a", 5, 1337)] // C.1.2
    [InlineData("2a", 8, 42)]     // C.1.3
    public void Integers_decode_as_in_C1(string hex, int prefix, int expected)
    {
        var bytes = Hex(hex);
        var pos = 0;
        Assert.Equal(expected, HpackDecoder.ReadInteger(bytes, ref pos, prefix));
        Assert.Equal(bytes.Length, pos);

        var buffer = new byte[8];
        var written = HpackEncoder.WriteInteger(buffer, expected, prefix, 0);
        Assert.Equal(bytes, buffer[..written]);
    }

    [Fact]
    public void Integer_overflow_and_truncation_are_errors()
    {
        var pos = 0;
        Assert.Throws<HpackException>(() => HpackDecoder.ReadInteger(Hex("1fffffffffff0f"), ref pos, 5));
        pos = 0;
        Assert.Throws<HpackException>(() => HpackDecoder.ReadInteger(Hex("1f9a"), ref pos, 5));
    }

    // ---- C.2 header field representations ----

    [Fact]
    public void C2_1_literal_with_indexing()
    {
        var decoder = new HpackDecoder();
        AssertHeaders(Decode(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"), ("custom-key", "custom-header"));
        AssertTable(decoder, 55, ("custom-key", "custom-header"));
    }

    [Fact]
    public void C2_2_literal_without_indexing()
    {
        var decoder = new HpackDecoder();
        AssertHeaders(Decode(decoder, "040c 2f73 616d 706c 652f 7061 7468"), (":path", "/sample/path"));
        AssertTable(decoder, 0);
    }

    [Fact]
    public void C2_3_literal_never_indexed()
    {
        var decoder = new HpackDecoder();
        AssertHeaders(Decode(decoder, "1008 7061 7373 776f 7264 0673 6563 7265 74"), ("password", "secret"));
        AssertTable(decoder, 0);
    }

    [Fact]
    public void C2_4_indexed()
    {
        var decoder = new HpackDecoder();
        AssertHeaders(Decode(decoder, "82"), (":method", "GET"));
        AssertTable(decoder, 0);
    }

    // ---- C.3 / C.4 requests, without and with Huffman ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void C3_C4_request_sequence(bool huffman)
    {
        var blocks = huffman
            ? new[]
            {
                "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
                "8286 84be 5886 a8eb 1064 9cbf",
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
            }
            : new[]
            {
                "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                "8286 84be 5808 6e6f 2d63 6163 6865",
                "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
            };
        var decoder = new HpackDecoder();

        AssertHeaders(Decode(decoder, blocks[0]), (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"));
        AssertTable(decoder, 57, (":authority", "www.example.com"));

        AssertHeaders(Decode(decoder, blocks[1]), (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache"));
        AssertTable(decoder, 110, ("cache-control", "no-cache"), (":authority", "www.example.com"));

        AssertHeaders(Decode(decoder, blocks[2]), (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value"));
        AssertTable(decoder, 164, ("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com"));
    }

    // ---- C.5 / C.6 responses with a 256-octet table and evictions ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void C5_C6_response_sequence_with_eviction(bool huffman)
    {
        var blocks = huffman
            ? new[]
            {
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
                "4883 640e ffc1 c0bf",
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            }
            : new[]
            {
                "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                "4803 3330 37c1 c0bf",
                "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
            };
        var decoder = new HpackDecoder(maxTableSize: 256);
        const string date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
        const string date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
        const string location = "https://www.example.com";
        const string cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

        AssertHeaders(Decode(decoder, blocks[0]), (":status", "302"), ("cache-control", "private"), ("date", date1), ("location", location));
        AssertTable(decoder, 222, ("location", location), ("date", date1), ("cache-control", "private"), (":status", "302"));

        AssertHeaders(Decode(decoder, blocks[1]), (":status", "307"), ("cache-control", "private"), ("date", date1), ("location", location));
        AssertTable(decoder, 222, (":status", "307"), ("location", location), ("date", date1), ("cache-control", "private"));

        AssertHeaders(Decode(decoder, blocks[2]), (":status", "200"), ("cache-control", "private"), ("date", date2), ("location", location), ("content-encoding", "gzip"), ("set-cookie", cookie));
        AssertTable(decoder, 215, ("set-cookie", cookie), ("content-encoding", "gzip"), ("date", date2));
    }

    // ---- dynamic table size updates ----

    [Fact]
    public void Size_update_evicts_and_is_bounded_by_the_setting()
    {
        var decoder = new HpackDecoder(maxTableSize: 4096);
        Decode(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        Assert.Equal(1, decoder.DynamicTable.Count);

        // 0x20 = size update to 0 (evicts everything), then an indexed field.
        AssertHeaders(Decode(decoder, "20 82"), (":method", "GET"));
        Assert.Equal(0, decoder.DynamicTable.Count);
        Assert.Equal(0, decoder.DynamicTable.MaxSize);

        // Back up to 4096 is allowed; beyond the advertised setting is not.
        Decode(decoder, "3fe1 1f");
        Assert.Equal(4096, decoder.DynamicTable.MaxSize);
        Assert.Throws<HpackException>(() => Decode(decoder, "3fe2 1f"));
    }

    [Fact]
    public void Size_update_after_a_field_is_an_error()
    {
        Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), "82 20"));
    }

    [Theory]
    [InlineData("80")]           // index 0
    [InlineData("be")]           // dynamic index 62 with an empty table
    [InlineData("ff80 01")]      // a huge index
    [InlineData("4085 f2b2 4a")] // Huffman name whose declared length runs past the block
    [InlineData("040c 2f73")]    // string longer than the block
    public void Malformed_blocks_are_errors(string hex)
    {
        Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), hex));
    }

    [Fact]
    public void Header_list_size_limit_is_enforced()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 60);
        Assert.Throws<HpackException>(() => Decode(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 be"));
    }

    // ---- Huffman table (Appendix B) ----

    [Fact]
    public void Huffman_code_is_complete_and_prefix_free()
    {
        // Kraft: a complete prefix code sums to exactly 1; a mistyped length would break this.
        var lengths = HpackHuffman.CodeLengths.ToArray();
        Assert.Equal(257, lengths.Length);
        var sum = lengths.Aggregate(0.0, (acc, len) => acc + Math.Pow(2, -len));
        Assert.Equal(1.0, sum, 12);
    }

    [Theory]
    // Every code length class, checked against the RFC's "code as hex" column.
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(1, 0x7fffd8u, 23)]
    [InlineData(9, 0xffffeau, 24)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(22, 0x3ffffffeu, 30)]
    [InlineData(31, 0xffffffbu, 28)]
    [InlineData(' ', 0x14u, 6)]
    [InlineData('!', 0x3f8u, 10)]
    [InlineData('#', 0xffau, 12)]
    [InlineData('\'', 0x7fau, 11)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('t', 0x9u, 5)]
    [InlineData(':', 0x5cu, 7)]
    [InlineData('z', 0x7bu, 7)]
    [InlineData('&', 0xf8u, 8)]
    [InlineData('Z', 0xfdu, 8)]
    [InlineData('^', 0x3ffcu, 14)]
    [InlineData('}', 0x3ffdu, 14)]
    [InlineData('<', 0x7ffcu, 15)]
    [InlineData('{', 0x7ffeu, 15)]
    [InlineData('\\', 0x7fff0u, 19)]
    [InlineData(195, 0x7fff1u, 19)]
    [InlineData(208, 0x7fff2u, 19)]
    [InlineData(128, 0xfffe6u, 20)]
    [InlineData(226, 0xfffedu, 20)]
    [InlineData(153, 0x1fffdcu, 21)]
    [InlineData(230, 0x1fffe8u, 21)]
    [InlineData(129, 0x3fffd2u, 22)]
    [InlineData(233, 0x3fffebu, 22)]
    [InlineData(239, 0x7ffff4u, 23)]
    [InlineData(237, 0xfffff5u, 24)]
    [InlineData(199, 0x1ffffecu, 25)]
    [InlineData(235, 0x1ffffefu, 25)]
    [InlineData(192, 0x3ffffe0u, 26)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(203, 0x7ffffdeu, 27)]
    [InlineData(254, 0x7fffff0u, 27)]
    [InlineData(2, 0xfffffe2u, 28)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(220, 0xffffffdu, 28)]
    [InlineData(249, 0xffffffeu, 28)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void Huffman_codes_match_the_rfc(int symbol, uint code, int length)
    {
        Assert.Equal((code, length), HpackHuffman.GetCode(symbol));
    }

    [Fact]
    public void Huffman_round_trips_every_octet()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var encoded = new byte[HpackHuffman.GetEncodedLength(all)];
        Assert.Equal(encoded.Length, HpackHuffman.Encode(all, encoded));
        var decoded = new byte[HpackHuffman.GetMaxDecodedLength(encoded.Length)];
        var n = HpackHuffman.Decode(encoded, decoded);
        Assert.Equal(all, decoded[..n]);
    }

    [Theory]
    [InlineData("00")]       // '0' (00000) then 000: padding must be ones
    [InlineData("ffffffff")] // 30 ones is EOS, which must not appear
    public void Huffman_rejects_bad_padding_and_eos(string hex)
    {
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(Hex(hex), new byte[16]));
    }

    [Fact]
    public void Huffman_accepts_short_all_ones_padding()
    {
        // 00011 = 'a', then 111 of EOS-prefix padding.
        var buffer = new byte[16];
        Assert.Equal("a", System.Text.Encoding.ASCII.GetString(buffer, 0, HpackHuffman.Decode(Hex("1f"), buffer)));
    }

    [Fact]
    public void Huffman_padding_longer_than_seven_bits_is_an_error()
    {
        // 'a' (00011) followed by a full octet of ones: 11 bits of padding.
        var buffer = new byte[16];
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(Hex("1fff"), buffer));
    }

    // ---- encoder ----

    [Fact]
    public void Encoder_output_decodes_back()
    {
        var fields = new (string, string)[]
        {
            (":method", "CONNECT"),
            (":authority", "10.0.0.7:8080"),
            (":status", "200"),
            (":status", "503"),
            ("forwarded", "for=10.0.0.1"),
            ("baggage", "k8s.namespace.name=default,k8s.deployment.name=" + new string('x', 300)),
            ("user-agent", "skein"),
        };
        var buffer = new byte[4096];
        var length = 0;
        foreach (var (name, value) in fields)
        {
            length += HpackEncoder.EncodeField(buffer.AsSpan(length), name, value);
        }
        var decoder = new HpackDecoder();
        var decoded = new List<KeyValuePair<string, string>>();
        decoder.Decode(buffer.AsSpan(0, length), decoded);
        AssertHeaders(decoded, fields);
        Assert.Equal(0, decoder.DynamicTable.Count);

        // :status 200 is one octet (static index 8).
        Assert.Equal(1, HpackEncoder.EncodeField(buffer, ":status", "200"));
        Assert.Equal(0x88, buffer[0]);
    }
}
