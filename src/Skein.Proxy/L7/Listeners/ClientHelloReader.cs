using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Skein.Proxy.L7.Listeners;

/// <summary>Reads the SNI server name from a TLS ClientHello without consuming it (TLS passthrough routes on it).</summary>
/// <remarks>
/// SslStream cannot expose the ClientHello without terminating TLS, and passthrough must forward the
/// client's bytes untouched, so the record is peeked from the socket and parsed here (RFC 8446 §4.1.2,
/// RFC 6066 §3).
/// </remarks>
public static class ClientHelloReader
{
    private const int MaxRecord = 16 * 1024 + 5;

    /// <summary>Peeks until a whole first TLS record is buffered; returns the SNI (lower case) or "" when absent, null when it is not TLS.</summary>
    public static async Task<string?> PeekServerNameAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[MaxRecord];
        var have = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, ct);
            if (n == 0 || n == have)
            {
                // No progress: the client closed, or sends no more until we answer; parse what there is.
                if (n == 0)
                {
                    return null;
                }

                await Task.Delay(10, ct);
            }

            have = n;
            if (have >= 5)
            {
                if (buffer[0] != 0x16)
                {
                    return null;
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(3)) + 5;
                if (length > MaxRecord)
                {
                    return null;
                }

                if (have >= length)
                {
                    return TryParseServerName(buffer.AsSpan(0, length), out var name) ? name : null;
                }
            }
        }
    }

    /// <summary>Parses a TLS handshake record holding a ClientHello; false when it is malformed.</summary>
    public static bool TryParseServerName(ReadOnlySpan<byte> record, out string serverName)
    {
        serverName = "";
        try
        {
            if (record.Length < 5 || record[0] != 0x16)
            {
                return false;
            }

            var body = record[5..];
            if (body[0] != 0x01)
            {
                return false; // not a ClientHello
            }

            var hello = body.Slice(4, (body[1] << 16) | (body[2] << 8) | body[3]);
            var p = 2 + 32; // legacy_version, random
            p += 1 + hello[p]; // session id
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]); // cipher suites
            p += 1 + hello[p]; // compression methods
            if (p + 2 > hello.Length)
            {
                return true; // no extensions, no SNI
            }

            var extensions = hello.Slice(p + 2, BinaryPrimitives.ReadUInt16BigEndian(hello[p..]));
            while (extensions.Length >= 4)
            {
                var type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
                var length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
                var data = extensions.Slice(4, length);
                if (type == 0) // server_name
                {
                    var list = data.Slice(2, BinaryPrimitives.ReadUInt16BigEndian(data));
                    while (list.Length >= 3)
                    {
                        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(list[1..]);
                        if (list[0] == 0) // host_name
                        {
                            serverName = Encoding.ASCII.GetString(list.Slice(3, nameLength)).ToLowerInvariant();
                            return true;
                        }

                        list = list[(3 + nameLength)..];
                    }
                }

                extensions = extensions[(4 + length)..];
            }

            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
