using System.Text;

namespace Skein.Proxy.L7.LocalReplies;

/// <summary>The percent-encoding of a <c>grpc-message</c> value (gRPC over HTTP/2: UTF-8, every byte outside space..'~' and '%' itself as %XX).</summary>
/// <remarks>Own code: ASP.NET Core's gRPC server encodes this inside its internals only, and URI escaping encodes a different (larger) set.</remarks>
public static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        var plain = true;
        foreach (var c in message)
        {
            if (!IsUnencoded(c))
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var text = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (IsUnencoded((char)b))
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return text.ToString();
    }

    private static bool IsUnencoded(char c) => c is >= ' ' and <= '~' and not '%';

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
