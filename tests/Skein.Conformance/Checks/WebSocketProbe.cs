using System.Net.WebSockets;
using System.Text;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>Upstream's WebSocket check: dial ws://gateway/path, send a text and a binary message, both must come back unchanged.</summary>
public static class WebSocketProbe
{
    private static readonly byte[] Binary = [1, 2, 3, 4, 5, 6, 7];
    private const string Text = "Websocket Support!";

    /// <summary>Null when the conversation through <paramref name="target"/> echoes both messages; otherwise what went wrong.</summary>
    public static async Task<string?> RunAsync(HttpCaseRequest request, RequestTarget target, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", $"http://gateway{request.Path}");
        var uri = new Uri($"{(target.Scheme == "https" ? "wss" : "ws")}://{target.Authority}{request.Path}");
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch (WebSocketException e)
        {
            return $"{uri}: upgrade failed: {e.GetBaseException().Message}";
        }

        if (await RoundTripAsync(socket, Encoding.UTF8.GetBytes(Text), WebSocketMessageType.Text, timeout.Token) is { } textProblem)
        {
            return $"text message: {textProblem}";
        }

        if (await RoundTripAsync(socket, Binary, WebSocketMessageType.Binary, timeout.Token) is { } binaryProblem)
        {
            return $"binary message: {binaryProblem}";
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        return null;
    }

    private static async Task<string?> RoundTripAsync(ClientWebSocket socket, byte[] payload, WebSocketMessageType type, CancellationToken ct)
    {
        await socket.SendAsync(payload, type, endOfMessage: true, ct);
        var received = new MemoryStream();
        var buffer = new byte[1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return $"the connection closed ({result.CloseStatus}) instead of an echo";
            }

            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        if (result.MessageType != type)
        {
            return $"sent a {type} message, got a {result.MessageType} one";
        }

        return received.ToArray().AsSpan().SequenceEqual(payload) ? null : $"sent {Convert.ToHexString(payload)}, got {Convert.ToHexString(received.ToArray())}";
    }
}
