using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.Capture;

/// <summary>Explicit-proxy capture on 15080: SOCKS5 (RFC 1928, CONNECT) and HTTP CONNECT on one port.</summary>
/// <remarks>
/// The first byte tells the protocols apart: SOCKS5 greetings start with 0x05, HTTP with a method letter.
/// Handshakes are parsed by hand because they are a few bytes long and no library offers the server side.
/// </remarks>
public sealed class ProxyProtocolListener(
    ProxyOptions options,
    OutboundProxy outbound,
    ProxyStateStore state,
    ProxyStats stats,
    ListenerRegistry registry,
    ILogger<ProxyProtocolListener> logger) : IHostedService, IAsyncDisposable
{
    private const int MaxHeaderBytes = 8192;
    private SocketListener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = registry.Start("socks", new IPEndPoint(options.Address, options.SocksPort), ServeAsync, logger);
        logger.LogInformation("SOCKS5 and HTTP CONNECT on {EndPoint}", _listener.EndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_listener is { } l)
        {
            _listener = null;
            await l.DisposeAsync();
        }
    }

    private Task ServeAsync(Socket socket, CancellationToken ct) => ServeAsync(socket, null, ct);

    /// <summary>Serves one client; <paramref name="boundWorkload"/> is the workload whose own address the client connected to, if any.</summary>
    public async Task ServeAsync(Socket socket, Workload? boundWorkload, CancellationToken ct)
    {
        await using var client = new NetworkStream(socket, ownsSocket: false);
        using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshakeTimeout.CancelAfter(TimeSpan.FromSeconds(10));
        var first = new byte[1];
        if (await client.ReadAsync(first, handshakeTimeout.Token) == 0)
        {
            return;
        }

        var source = boundWorkload ?? SourceWorkload(socket);
        if (first[0] == 0x05)
        {
            stats.Increment("listener.socks5.downstream_cx_total");
            await ServeSocksAsync(client, source, handshakeTimeout.Token, ct);
        }
        else
        {
            stats.Increment("listener.http_connect.downstream_cx_total");
            await ServeHttpConnectAsync(client, first[0], source, handshakeTimeout.Token, ct);
        }
    }

    /// <summary>The calling workload, when the client's source address is the address of a workload on this node.</summary>
    private Workload? SourceWorkload(Socket socket) =>
        socket.RemoteEndPoint is IPEndPoint remote && state.Current.WorkloadsByIp.TryGetValue(remote.Address, out var w) && w.IsServedBy(options.Node) ? w : null;

    private async Task ServeSocksAsync(NetworkStream client, Workload? source, CancellationToken handshakeCt, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(512);
        try
        {
            // Greeting: VER(consumed) NMETHODS METHODS...
            await client.ReadExactlyAsync(buffer.AsMemory(0, 1), handshakeCt);
            var methods = buffer[0];
            await client.ReadExactlyAsync(buffer.AsMemory(0, methods), handshakeCt);
            if (!buffer.AsSpan(0, methods).Contains((byte)0x00))
            {
                await client.WriteAsync(new byte[] { 0x05, 0xFF }, handshakeCt); // no acceptable method
                return;
            }

            await client.WriteAsync(new byte[] { 0x05, 0x00 }, handshakeCt);

            // Request: VER CMD RSV ATYP DST.ADDR DST.PORT
            await client.ReadExactlyAsync(buffer.AsMemory(0, 4), handshakeCt);
            if (buffer[0] != 0x05)
            {
                return;
            }

            var command = buffer[1];
            var addressType = buffer[3];
            Destination destination;
            switch (addressType)
            {
                case 0x01:
                    await client.ReadExactlyAsync(buffer.AsMemory(0, 6), handshakeCt);
                    destination = new Destination(null, new IPAddress(buffer.AsSpan(0, 4)), BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4)));
                    break;
                case 0x04:
                    await client.ReadExactlyAsync(buffer.AsMemory(0, 18), handshakeCt);
                    destination = new Destination(null, new IPAddress(buffer.AsSpan(0, 16)), BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(16)));
                    break;
                case 0x03:
                    await client.ReadExactlyAsync(buffer.AsMemory(0, 1), handshakeCt);
                    var length = buffer[0];
                    await client.ReadExactlyAsync(buffer.AsMemory(0, length + 2), handshakeCt);
                    var host = Encoding.ASCII.GetString(buffer, 0, length);
                    destination = new Destination(host, null, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(length)));
                    break;
                default:
                    await SocksReplyAsync(client, 0x08, handshakeCt); // address type not supported
                    return;
            }

            if (command != 0x01)
            {
                await SocksReplyAsync(client, 0x07, handshakeCt); // only CONNECT
                return;
            }

            await using var connection = await outbound.OpenAsync(destination, source, ct);
            if (connection.Error != OutboundError.None)
            {
                await SocksReplyAsync(client, SocksCode(connection.Error), handshakeCt);
                return;
            }

            await SocksReplyAsync(client, 0x00, handshakeCt);
            await outbound.RelayAsync(client, connection, source, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte SocksCode(OutboundError error) => error switch
    {
        OutboundError.UnknownHost => 0x04, // host unreachable
        OutboundError.NoEndpoints => 0x04,
        OutboundError.PortNotExposed => 0x02, // not allowed by ruleset
        OutboundError.ConnectFailed => 0x05, // connection refused
        OutboundError.Denied => 0x02, // connection not allowed by ruleset
        _ => 0x01,
    };

    private static async Task SocksReplyAsync(NetworkStream client, byte code, CancellationToken ct)
    {
        // BND.ADDR is not meaningful for a mesh hop; 0.0.0.0:0 is what most proxies answer.
        var reply = new byte[] { 0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
        await client.WriteAsync(reply, ct);
    }

    private async Task ServeHttpConnectAsync(NetworkStream client, byte firstByte, Workload? source, CancellationToken handshakeCt, CancellationToken ct)
    {
        var header = await ReadHeaderAsync(client, firstByte, handshakeCt);
        if (header is null)
        {
            await HttpReplyAsync(client, 431, "Request Header Fields Too Large", "request header too large or incomplete", handshakeCt);
            return;
        }

        var requestLine = header[..header.IndexOf("\r\n", StringComparison.Ordinal)];
        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            await HttpReplyAsync(client, 400, "Bad Request", "malformed request line", handshakeCt);
            return;
        }

        if (parts[0] != "CONNECT")
        {
            await HttpReplyAsync(client, 405, "Method Not Allowed",
                "this port accepts HTTP CONNECT and SOCKS5 only; set HTTPS_PROXY/ALL_PROXY or use a localhost upstream", handshakeCt);
            return;
        }

        if (!TryParseAuthority(parts[1], out var destination))
        {
            await HttpReplyAsync(client, 400, "Bad Request", $"CONNECT target \"{parts[1]}\" is not host:port", handshakeCt);
            return;
        }

        await using var connection = await outbound.OpenAsync(destination, source, ct);
        if (connection.Error != OutboundError.None)
        {
            var (status, reason) = connection.Error switch
            {
                OutboundError.UnknownHost => (404, "Not Found"),
                OutboundError.ConnectFailed => (502, "Bad Gateway"),
                OutboundError.Denied => (403, "Forbidden"),
                _ => (503, "Service Unavailable"),
            };
            await HttpReplyAsync(client, status, reason, connection.Detail, handshakeCt);
            return;
        }

        await client.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), handshakeCt);
        await outbound.RelayAsync(client, connection, source, ct);
    }

    /// <summary>Reads up to the blank line ending the header, byte by byte so no tunnel payload is consumed.</summary>
    private static async Task<string?> ReadHeaderAsync(NetworkStream client, byte firstByte, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxHeaderBytes);
        try
        {
            buffer[0] = firstByte;
            var length = 1;
            while (length < MaxHeaderBytes)
            {
                if (await client.ReadAsync(buffer.AsMemory(length, 1), ct) == 0)
                {
                    return null;
                }

                length++;
                if (length >= 4 && buffer.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
                {
                    return Encoding.ASCII.GetString(buffer, 0, length);
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static bool TryParseAuthority(string authority, out Destination destination)
    {
        destination = default;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(authority.AsSpan(colon + 1), out var port) || port == 0)
        {
            return false;
        }

        var host = authority[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        destination = IPAddress.TryParse(host, out var ip) ? new Destination(null, ip, port) : new Destination(host, null, port);
        return host.Length > 0;
    }

    private static async Task HttpReplyAsync(NetworkStream client, int status, string reason, string message, CancellationToken ct)
    {
        var body = message + "\n";
        var text = $"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {Encoding.UTF8.GetByteCount(body)}\r\nx-skein-error: {message.Replace('\r', ' ').Replace('\n', ' ')}\r\nconnection: close\r\n\r\n{body}";
        await client.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
    }
}
