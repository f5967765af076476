using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.Xds;
using GatewayProto = Skein.Core.Protos.Skein.Gateway;

namespace Skein.Unit.Tests.L7;

public sealed class L7ConfigTests
{
    private static GatewayProto Gateway(string name, params Listener[] listeners)
    {
        var gateway = new GatewayProto { Namespace = "default", Name = name, Identity = $"spiffe://cluster.local/ns/default/sa/{name}" };
        gateway.Addresses.Add(ByteString.CopyFrom(IPAddress.Parse("127.241.0.1").GetAddressBytes()));
        gateway.Listeners.Add(listeners);
        return gateway;
    }

    private static Certificate SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new Certificate { CertificateChainPem = cert.ExportCertificatePem(), PrivateKeyPem = key.ExportPkcs8PrivateKeyPem(), Source = $"default/{host}" };
    }

    [Fact]
    public void Listeners_sharing_a_port_are_chosen_by_the_most_specific_hostname()
    {
        var config = L7ConfigCompiler.Compile([Gateway("gw",
            new Listener { Name = "any", Port = 80, Protocol = ListenerProtocol.Http },
            new Listener { Name = "wild", Port = 80, Protocol = ListenerProtocol.Http, Hostname = "*.example.com" },
            new Listener { Name = "exact", Port = 80, Protocol = ListenerProtocol.Http, Hostname = "a.example.com" })], "gateway");
        var binding = Assert.Single(config.Bindings.Values);
        Assert.Equal("exact", binding.Select("a.example.com")!.Proto.Name);
        Assert.Equal("wild", binding.Select("b.example.com")!.Proto.Name);
        Assert.Equal("any", binding.Select("other.org")!.Proto.Name);
    }

    [Fact]
    public void Https_certificates_are_selected_by_sni()
    {
        var listener = new Listener { Name = "tls", Port = 443, Protocol = ListenerProtocol.Https };
        listener.Certificates.Add([SelfSigned("first.example.com"), SelfSigned("second.example.com")]);
        var binding = Assert.Single(L7ConfigCompiler.Compile([Gateway("gw", listener)], "gateway").Bindings.Values);
        Assert.Contains("second.example.com", binding.CertificateFor("second.example.com")!.Subject, StringComparison.Ordinal);
        Assert.Contains("first.example.com", binding.CertificateFor("unknown.example.com")!.Subject, StringComparison.Ordinal);
        Assert.True(binding.CertificateFor(null)!.HasPrivateKey);
    }

    [Fact]
    public void A_bad_regex_rejects_the_whole_update_naming_the_gateway_and_listener()
    {
        var listener = new Listener { Name = "web", Port = 80, Protocol = ListenerProtocol.Http };
        listener.HttpRoutes.Add(new HttpRoute { Route = "default/r", Match = new HttpMatch { Path = new StringMatch { Kind = StringMatch.Types.Kind.RegularExpression, Value = "/(" } } });
        var e = Assert.Throws<XdsRejectedException>(() => L7ConfigCompiler.Compile([Gateway("gw", listener)], "gateway"));
        Assert.Contains("Gateway default/gw listener web", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_port_cannot_speak_two_protocols()
    {
        var e = Assert.Throws<XdsRejectedException>(() => L7ConfigCompiler.Compile([
            Gateway("a", new Listener { Name = "web", Port = 8080, Protocol = ListenerProtocol.Http }),
            Gateway("b", new Listener { Name = "raw", Port = 8080, Protocol = ListenerProtocol.Tcp })], "gateway"));
        Assert.Contains("one port speaks one protocol", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_https_listener_needs_a_certificate() =>
        Assert.Throws<XdsRejectedException>(() => L7ConfigCompiler.Compile([Gateway("gw", new Listener { Name = "tls", Port = 443, Protocol = ListenerProtocol.Https })], "gateway"));

    [Fact]
    public void Client_hello_sni_is_read_from_a_real_handshake()
    {
        // Capture the ClientHello SslStream sends, then parse it.
        var capture = new CapturingStream();
        using var tls = new System.Net.Security.SslStream(capture);
        _ = tls.AuthenticateAsClientAsync("Backend.Example.com");
        Assert.True(SpinWait.SpinUntil(() => capture.Written.Length > 0, TimeSpan.FromSeconds(5)));
        Assert.True(ClientHelloReader.TryParseServerName(capture.Written, out var name));
        Assert.Equal("backend.example.com", name);
        Assert.False(ClientHelloReader.TryParseServerName("GET / HTTP/1.1\r\n\r\n"u8, out _));
    }

    private sealed class CapturingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly TaskCompletionSource _never = new();

        public byte[] Written
        {
            get
            {
                lock (_written)
                {
                    return _written.ToArray();
                }
            }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _never.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override long Seek(long offset, SeekOrigin origin) => 0;
        public override void SetLength(long value) { }
        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_written)
            {
                _written.Write(buffer, offset, count);
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_written)
            {
                _written.Write(buffer.Span);
            }

            return ValueTask.CompletedTask;
        }
    }
}
