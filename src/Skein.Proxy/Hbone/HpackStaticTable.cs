namespace Skein.Proxy.Hbone;

/// <summary>The 61-entry HPACK static table (RFC 7541 Appendix A), with reverse lookups for the encoder.</summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    // Index 0 is unused so that entries line up with their 1-based HPACK index.
    private static readonly (string Name, string Value)[] Entries =
    [
        ("", ""),
        (":authority", ""),
        (":method", "GET"),
        (":method", "POST"),
        (":path", "/"),
        (":path", "/index.html"),
        (":scheme", "http"),
        (":scheme", "https"),
        (":status", "200"),
        (":status", "204"),
        (":status", "206"),
        (":status", "304"),
        (":status", "400"),
        (":status", "404"),
        (":status", "500"),
        ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"),
        ("accept-language", ""),
        ("accept-ranges", ""),
        ("accept", ""),
        ("access-control-allow-origin", ""),
        ("age", ""),
        ("allow", ""),
        ("authorization", ""),
        ("cache-control", ""),
        ("content-disposition", ""),
        ("content-encoding", ""),
        ("content-language", ""),
        ("content-length", ""),
        ("content-location", ""),
        ("content-range", ""),
        ("content-type", ""),
        ("cookie", ""),
        ("date", ""),
        ("etag", ""),
        ("expect", ""),
        ("expires", ""),
        ("from", ""),
        ("host", ""),
        ("if-match", ""),
        ("if-modified-since", ""),
        ("if-none-match", ""),
        ("if-range", ""),
        ("if-unmodified-since", ""),
        ("last-modified", ""),
        ("link", ""),
        ("location", ""),
        ("max-forwards", ""),
        ("proxy-authenticate", ""),
        ("proxy-authorization", ""),
        ("range", ""),
        ("referer", ""),
        ("refresh", ""),
        ("retry-after", ""),
        ("server", ""),
        ("set-cookie", ""),
        ("strict-transport-security", ""),
        ("transfer-encoding", ""),
        ("user-agent", ""),
        ("vary", ""),
        ("via", ""),
        ("www-authenticate", ""),
    ];

    private static readonly Dictionary<string, int> NameIndex = BuildNameIndex();
    private static readonly Dictionary<(string, string), int> FieldIndex = BuildFieldIndex();

    public static (string Name, string Value) Get(int index) => Entries[index];

    /// <summary>The lowest static index whose name matches, or 0.</summary>
    public static int FindName(string name) => NameIndex.GetValueOrDefault(name);

    /// <summary>The static index whose name and value both match, or 0.</summary>
    public static int FindField(string name, string value) => FieldIndex.GetValueOrDefault((name, value));

    private static Dictionary<string, int> BuildNameIndex()
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 1; i <= Count; i++)
        {
            map.TryAdd(Entries[i].Name, i);
        }
        return map;
    }

    private static Dictionary<(string, string), int> BuildFieldIndex()
    {
        var map = new Dictionary<(string, string), int>();
        for (var i = 1; i <= Count; i++)
        {
            if (Entries[i].Value.Length > 0)
            {
                map.TryAdd(Entries[i], i);
            }
        }
        return map;
    }
}
