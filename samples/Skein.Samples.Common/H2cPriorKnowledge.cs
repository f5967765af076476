using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Skein.Samples.Common;

/// <summary>Lets one cleartext Kestrel endpoint serve both HTTP/1.1 and h2c with prior knowledge.</summary>
/// <remarks>
/// Kestrel (as of .NET 10) treats a cleartext Http1AndHttp2 endpoint as HTTP/1.1 only, because it
/// picks the protocol from TLS ALPN. This connection middleware peeks at the first bytes: when they
/// are the HTTP/2 connection preface it presents an "h2" ALPN result, so Kestrel chooses HTTP/2.
/// Nothing is consumed, and connections without the preface are left untouched.
/// </remarks>
public static class H2cPriorKnowledge
{
    // RFC 9113 section 3.4: every prior-knowledge HTTP/2 connection starts with these 24 bytes.
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>Serves HTTP/1.1 and HTTP/2 on <paramref name="listen"/>, detecting h2c by its preface.</summary>
    public static void UseHttp1AndH2c(this ListenOptions listen)
    {
        // Kestrel's default protocols are already Http1AndHttp2; setting them explicitly would only add a
        // startup warning that HTTP/2 is off without TLS, which this middleware makes untrue.

        // The marker below makes Kestrel expect https; h2c clients send :scheme http, which must be accepted.
        listen.KestrelServerOptions.AllowAlternateSchemes = true;
        listen.Use(next => async connection =>
        {
            if (await StartsWithPrefaceAsync(connection))
            {
                connection.Features.Set<ITlsConnectionFeature>(AlpnH2Marker.Instance);
                connection.Features.Set<ITlsApplicationProtocolFeature>(AlpnH2Marker.Instance);
            }

            await next(connection);
        });
    }

    private static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var matches = buffer.Slice(0, length).ToArray().AsSpan().SequenceEqual(Preface.AsSpan(0, length));
            if (!matches || length == Preface.Length || result.IsCompleted)
            {
                // Consume and examine nothing, so the HTTP parser reads these same bytes at once.
                input.AdvanceTo(buffer.Start);
                return matches && length == Preface.Length;
            }

            // A prefix of the preface so far: mark it examined so the next read waits for more bytes.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // Not real TLS: only the two features Kestrel's protocol selection reads. No certificate, no handshake info.
    private sealed class AlpnH2Marker : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly AlpnH2Marker Instance = new();

        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = "h2"u8.ToArray();

        public X509Certificate2? ClientCertificate
        {
            get => null;
            set => throw new NotSupportedException();
        }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
