using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Skein.Samples.Echo.Tcp;

/// <summary>
/// The conformance TCP echo line protocol on a raw Kestrel connection: a welcome line, then PING → PONG,
/// IS_TLS → true/false (whether this server terminated TLS), TEST → one JSON line with the pod context.
/// </summary>
public sealed class TcpEchoHandler(EchoIdentity identity) : ConnectionHandler
{
    /// <summary>The first line a client reads (upstream's welcome message).</summary>
    public const string Welcome = "Gateway API Test TCP Server";

    // Lines longer than this are not a command of the protocol: the connection is closed.
    private const int MaxLine = 4096;

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var tls = connection.Features.Get<ITlsHandshakeFeature>();
        var ct = connection.ConnectionClosed;
        var output = connection.Transport.Output;
        await output.WriteAsync(Encoding.ASCII.GetBytes(Welcome + "\n"), ct);
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(ct);
                var buffer = read.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    var answer = Encoding.ASCII.GetString(line).TrimEnd('\r') switch
                    {
                        "PING" => "PONG",
                        "IS_TLS" => tls is null ? "false" : "true",
                        "TEST" => Describe(tls),
                        _ => null,
                    };
                    if (answer is not null)
                    {
                        await output.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), ct);
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted || buffer.Length > MaxLine)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException)
        {
            // The client went away.
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        return true;
    }

    private string Describe(ITlsHandshakeFeature? tls)
    {
        var json = new JsonObject
        {
            ["namespace"] = identity.Namespace,
            ["ingress"] = identity.Ingress,
            ["service"] = identity.Service,
            ["pod"] = identity.Pod,
            ["isTLS"] = tls is not null,
        };
        if (tls is not null)
        {
            json["tls"] = new JsonObject { ["version"] = tls.Protocol.ToString(), ["serverName"] = tls.HostName };
        }

        return json.ToJsonString();
    }
}
