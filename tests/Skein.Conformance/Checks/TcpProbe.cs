using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>Runs a TCP case: connect (TLS with the case's SNI when it has a hostname), then the echo's line protocol.</summary>
public static class TcpProbe
{
    /// <summary>Null when the conversation through <paramref name="target"/> meets <paramref name="c"/>; otherwise what differs.</summary>
    public static async Task<string?> RunAsync(TcpCase c, RequestTarget target, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target.Address, target.Port, timeout.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (c.Hostname is { Length: > 0 } sni)
        {
            var tls = new SslStream(stream);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, timeout.Token);
            stream = tls;
        }

        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            var welcome = await reader.ReadLineAsync(timeout.Token);
            if (welcome is null)
            {
                return "the connection closed before the echo's welcome line";
            }

            async Task<string?> AskAsync(string command)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
                await stream.FlushAsync(timeout.Token);
                return await reader.ReadLineAsync(timeout.Token);
            }

            return Evaluate(c, await AskAsync("PING"), await AskAsync("IS_TLS"), await AskAsync("TEST"));
        }
    }

    /// <summary>Checks the answers to PING, IS_TLS and TEST (pure, for unit tests).</summary>
    public static string? Evaluate(TcpCase c, string? pong, string? isTls, string? test)
    {
        if (pong != "PONG")
        {
            return $"PING: expected PONG, got {pong ?? "end of stream"}";
        }

        var expectedTls = c.BackendIsTls ? "true" : "false";
        if (isTls != expectedTls)
        {
            return $"IS_TLS: expected {expectedTls} (whether the backend terminated TLS), got {isTls ?? "end of stream"}";
        }

        JsonObject? json;
        try
        {
            json = test is null ? null : JsonNode.Parse(test) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }

        if (json is null)
        {
            return $"TEST: expected a JSON line, got {test ?? "end of stream"}";
        }

        var pod = CorpusLoader.Str(json["pod"]) ?? "";
        if (c.Backend is { Length: > 0 } backend && !pod.StartsWith(backend + "-", StringComparison.Ordinal))
        {
            return $"expected pod {backend}-*, got {pod}";
        }

        var ns = CorpusLoader.Str(json["namespace"]);
        return c.Namespace is { Length: > 0 } expected && ns != expected ? $"expected namespace {expected}, got {ns}" : null;
    }
}
