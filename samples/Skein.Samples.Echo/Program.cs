using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Skein.Samples.Common;
using Skein.Samples.Echo;
using Skein.Samples.Echo.Grpc;
using Skein.Samples.Echo.Tcp;

const string Usage = """
    usage: Skein.Samples.Echo --listen IP:PORT [--listen IP:PORT]... [--mode http|grpc|tcp] [--tls-port PORT]...
                              [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
                              [--parent-pid PID] [--request-log stdout|off]
      --mode http (default): HTTP/1.1 and h2c (prior knowledge) on every listen address; WebSockets on /ws echo
        every message; ?uuid=U&succeedAfter=N[&responseCode=C][&delayRetry=D] fails the first N requests of U
        (status C, or a connection reset without C) for testing gateway retries. Listen addresses on a --tls-port
        serve HTTPS with --tls-cert/--tls-key (PEM); --tls-client-ca requires client certificates signed by those CAs.
        Without --tls-cert a throwaway self-signed certificate is served. Replies over TLS carry "tls" {serverName,
        peerCertificates, ...}.
      --mode grpc: the conformance gRPC echo (gateway_api_conformance.echo_basic.grpcecho.GrpcEcho) over h2c.
      --mode tcp: the conformance TCP line echo (welcome line; PING, IS_TLS, TEST); listen addresses on a
        --tls-port terminate TLS first (self-signed certificate).
      --request-log stdout prints one "echo-request {json}" line per HTTP request (the conformance runner reads
      them to see which backends received mirrored requests).
      Environment: NAMESPACE (default "default"), POD_NAME (default host name), SERVICE_NAME, INGRESS_NAME.
    """;

return SampleHost.Run(Usage, () =>
{
    var parsed = SampleArgs.Parse(args, "listen", "parent-pid", "request-log", "mode", "tls-port", "tls-cert", "tls-key", "tls-client-ca");
    var requestLog = parsed.Get("request-log", "off") switch
    {
        "stdout" => true,
        "off" => false,
        var other => throw new UsageException($"--request-log must be stdout or off, not '{other}'"),
    };
    var identity = EchoIdentity.FromEnvironment();
    var mode = parsed.Get("mode", "http");
    switch (mode)
    {
        case "grpc":
            RunGrpc(parsed, identity);
            return 0;
        case "tcp":
            RunTcp(parsed, identity);
            return 0;
        case "http":
            break;
        default:
            throw new UsageException($"--mode must be http, grpc or tcp, not '{mode}'");
    }

    var tlsPorts = TlsPorts(parsed);
    var tls = tlsPorts.Count == 0 ? null
        : parsed.Get("tls-cert") is { } certPath ? EchoTls.Load(certPath, parsed.Required("tls-key"), parsed.Get("tls-client-ca"))
        : EchoTls.From(SelfSigned(identity.Pod));
    var app = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid(), listen =>
    {
        if (tls is not null && tlsPorts.Contains(listen.IPEndPoint!.Port))
        {
            tls.Configure(listen);
        }
        else
        {
            listen.UseHttp1AndH2c();
        }
    }).Build();
    var retries = new RetrySimulation();
    app.UseWebSockets();
    app.Map(WebSocketEcho.Path, ws => ws.Run(context => context.WebSockets.IsWebSocketRequest
        ? WebSocketEcho.HandleAsync(context)
        : EchoHandler.HandleAsync(context, identity, retries)));
    app.Run(context =>
    {
        if (requestLog)
        {
            RequestLog.Write(Console.Out, context);
        }

        return EchoHandler.HandleAsync(context, identity, retries);
    });
    app.Run();
    return 0;
});

static void RunGrpc(SampleArgs parsed, EchoIdentity identity)
{
    var builder = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid());
    builder.Services.AddGrpc();
    builder.Services.AddSingleton(identity);
    var app = builder.Build();
    app.MapGrpcService<GrpcEchoService>();
    // Readiness probe for whoever starts the process (plain HTTP/1.1 on the same port).
    app.MapGet("/healthz", () => "ok");
    app.Run();
}

static void RunTcp(SampleArgs parsed, EchoIdentity identity)
{
    var tlsPorts = TlsPorts(parsed);
    var certificate = tlsPorts.Count > 0 ? SelfSigned(identity.Pod) : null;
    var builder = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid(), listen =>
    {
        if (tlsPorts.Contains(listen.IPEndPoint!.Port))
        {
            listen.UseHttps(certificate!);
        }

        listen.UseConnectionHandler<TcpEchoHandler>();
    });
    builder.Services.AddSingleton(identity);
    builder.Build().Run();
}

static HashSet<int> TlsPorts(SampleArgs parsed) =>
    parsed.All("tls-port").Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
        ? port
        : throw new UsageException($"--tls-port must be a port number, not '{p}'")).ToHashSet();

// Upstream mounts a certificate Secret; clients of a TLS passthrough backend do not verify it, so a throwaway one does.
static X509Certificate2 SelfSigned(string name)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
    using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
    return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
}
