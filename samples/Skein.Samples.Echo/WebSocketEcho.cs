using System.Buffers;
using System.Net.WebSockets;

namespace Skein.Samples.Echo;

/// <summary>The echo contract's /ws endpoint: every WebSocket message comes back unchanged (text as text, binary as binary).</summary>
public static class WebSocketEcho
{
    /// <summary>The path upstream's echo serves WebSockets on.</summary>
    public const string Path = "/ws";

    /// <summary>Accepts the upgrade and echoes frames until the client closes.</summary>
    public static async Task HandleAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var ct = context.RequestAborted;
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    break;
                }

                // Fragments are echoed as they arrive, so a message larger than the buffer keeps its boundaries.
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer went away mid-conversation: nothing to answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
