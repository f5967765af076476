using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Bench;

/// <summary>Addresses and generated config files of the three paths under test (all on 127.0.200.0/24).</summary>
public static class Topology
{
    /// <summary>The backend: nginx on :8080 and iperf3 on :5201.</summary>
    public const string Backend = "127.0.200.10";

    /// <summary>The Skein control plane.</summary>
    public const string Control = "127.0.200.1";

    /// <summary>Node proxy node-a (client side).</summary>
    public const string NodeA = "127.0.200.2";

    /// <summary>Node proxy node-b (backend side).</summary>
    public const string NodeB = "127.0.200.3";

    /// <summary>The client workload, whose localhost upstreams node-a serves.</summary>
    public const string Client = "127.0.200.20";

    /// <summary>haproxy-A (client side, plaintext in, mTLS out).</summary>
    public const string HaproxyA = "127.0.200.30";

    /// <summary>haproxy-B (backend side, mTLS in, plaintext out).</summary>
    public const string HaproxyB = "127.0.200.31";

    /// <summary>HAProxy threads per process.</summary>
    public const int HaproxyThreads = 2;

    /// <summary>nginx returning a fixed 200 with one worker and no logging, so the backend costs little.</summary>
    public static string NginxConf(string dir) => $$"""
        worker_processes 1;
        daemon off;
        master_process off;
        pid {{dir}}/nginx.pid;
        error_log {{dir}}/nginx-error.log warn;
        events { worker_connections 8192; }
        http {
            access_log off;
            client_body_temp_path {{dir}}/tmp;
            proxy_temp_path {{dir}}/tmp;
            fastcgi_temp_path {{dir}}/tmp;
            uwsgi_temp_path {{dir}}/tmp;
            scgi_temp_path {{dir}}/tmp;
            # The default (1000) would make keep-alive clients reconnect mid-run, through the proxies too.
            keepalive_requests 100000000;
            server {
                listen {{Backend}}:8080 backlog=4096;
                location / { return 200 "ok\n"; }
            }
        }
        """;

    /// <summary>The mesh: services backend and bulk on node-b, a client workload on node-a with localhost upstreams.</summary>
    public const string SkeinConfig = $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: bench
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: backend
          namespace: bench
        spec:
          selector:
            app: backend
          ports:
          - name: http
            port: 8080
            targetPort: 8080
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: bulk
          namespace: bench
        spec:
          selector:
            app: backend
          ports:
          - name: iperf
            port: 5201
            targetPort: 5201
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: backend-1
          namespace: bench
          labels:
            app: backend
        spec:
          node: node-b
          addresses: [{Backend}]
          serviceAccount: backend
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: client-1
          namespace: bench
          labels:
            app: client
        spec:
          node: node-a
          addresses: [{Client}]
          serviceAccount: client
          upstreams:
          - service: backend
            port: 8080
            localPort: 9080
            bindAddress: {Client}
          - service: bulk
            port: 5201
            localPort: 9201
            bindAddress: {Client}
        """;

    /// <summary>haproxy-A: TCP in, one mutual TLS 1.3 connection to haproxy-B per client connection.</summary>
    public static string HaproxyAConf(string dir) => $"""
        global
            nbthread {HaproxyThreads}
            maxconn 8000
        defaults
            mode tcp
            timeout connect 5s
            timeout client 60s
            timeout server 60s
        listen web
            bind {HaproxyA}:9080
            server b {HaproxyB}:8080 ssl crt {dir}/client.pem ca-file {dir}/ca.pem verify required ssl-min-ver TLSv1.3
        listen bulk
            bind {HaproxyA}:9201
            server b {HaproxyB}:5201 ssl crt {dir}/client.pem ca-file {dir}/ca.pem verify required ssl-min-ver TLSv1.3

        """;

    /// <summary>haproxy-B: mutual TLS 1.3 in (client certificate required), TCP out to the backend.</summary>
    public static string HaproxyBConf(string dir) => $"""
        global
            nbthread {HaproxyThreads}
            maxconn 8000
        defaults
            mode tcp
            timeout connect 5s
            timeout client 60s
            timeout server 60s
        listen web
            bind {HaproxyB}:8080 ssl crt {dir}/server.pem ca-file {dir}/ca.pem verify required ssl-min-ver TLSv1.3
            server nginx {Backend}:8080
        listen bulk
            bind {HaproxyB}:5201 ssl crt {dir}/server.pem ca-file {dir}/ca.pem verify required ssl-min-ver TLSv1.3
            server iperf {Backend}:5201

        """;

    /// <summary>Writes ca.pem, server.pem and client.pem (certificate + PKCS#8 key): ECDSA P-256, like Skein's SVIDs.</summary>
    public static void WriteHaproxyCertificates(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=bench-ca", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caReq.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem() + "\n");
        Leaf(dir, "server.pem", "CN=haproxy-b", HaproxyB, "1.3.6.1.5.5.7.3.1", ca, now);
        Leaf(dir, "client.pem", "CN=haproxy-a", HaproxyA, "1.3.6.1.5.5.7.3.2", ca, now);
    }

    private static void Leaf(string dir, string file, string subject, string ip, string eku, X509Certificate2 ca, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(ip));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var cert = req.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        File.WriteAllText(Path.Combine(dir, file), cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
