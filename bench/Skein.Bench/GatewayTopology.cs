using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Skein.Bench;

/// <summary>Addresses and generated configs of the gateway benchmark (all on 127.0.202.0/24): the same 10 host + header routes for every proxy.</summary>
public static class GatewayTopology
{
    /// <summary>Number of routes in every proxy's table.</summary>
    public const int Routes = 10;

    /// <summary>The route the load hits: the last one, so proxies that test routes in order test all ten.</summary>
    public const int LoadRoute = 10;

    /// <summary>The route header every route matches on (besides the host).</summary>
    public const string RouteHeader = "x-bench-route";

    /// <summary>HTTP/1.1 port of every target.</summary>
    public const int Http1Port = 8080;

    /// <summary>HTTP/2 cleartext (prior knowledge) port of every target.</summary>
    public const int H2cPort = 8082;

    /// <summary>The backend (nginx returning "ok"); the Skein backend Workload's address.</summary>
    public const string Backend = "127.0.202.10";

    /// <summary>The Skein control plane.</summary>
    public const string Control = "127.0.202.1";

    /// <summary>The Skein gateway proxy's own address (admin :15000).</summary>
    public const string GatewayProxy = "127.0.202.2";

    /// <summary>The backend's node proxy (HBONE inbound on the backend Workload's address :15008).</summary>
    public const string NodeProxy = "127.0.202.3";

    /// <summary>Where nginx-as-proxy listens.</summary>
    public const string Nginx = "127.0.202.21";

    /// <summary>Where HAProxy listens.</summary>
    public const string Haproxy = "127.0.202.22";

    /// <summary>Where the plain YARP app listens.</summary>
    public const string Yarp = "127.0.202.23";

    /// <summary>The Skein Gateway's address (spec.addresses).</summary>
    public const string SkeinGateway = "127.0.202.24";

    /// <summary>Host of route <paramref name="i"/>.</summary>
    public static string Host(int i) => $"svc{i}.bench.test";

    /// <summary>Header value of route <paramref name="i"/>.</summary>
    public static string HeaderValue(int i) => $"r{i}";

    private static IEnumerable<int> All => Enumerable.Range(1, Routes);

    /// <summary>The backend: one nginx worker, no logging, "ok" on HTTP/1.1 (8080) and h2c (8082, for direct HTTP/2).</summary>
    public static string BackendNginxConf(string dir) => $$"""
        worker_processes 1;
        daemon off;
        master_process off;
        pid {{dir}}/nginx.pid;
        error_log {{dir}}/error.log warn;
        events { worker_connections 8192; }
        http {
            access_log off;
        {{TempPaths(dir)}}
            # The default (1000) would make keep-alive clients and proxies reconnect mid-run.
            keepalive_requests 100000000;
            server {
                listen {{Backend}}:{{Http1Port}} backlog=4096;
                listen {{Backend}}:{{H2cPort}} http2 backlog=4096;
                location / { return 200 "ok\n"; }
            }
        }
        """;

    /// <summary>nginx as the proxy: a server block per route host, the header checked in it, one keep-alive upstream.</summary>
    public static string ProxyNginxConf(string dir, int workers)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"worker_processes {workers};");
        sb.AppendLine("daemon off;");
        // One worker: no master, so the pid the driver started is the process doing the work.
        sb.AppendLine(workers == 1 ? "master_process off;" : "master_process on;");
        sb.AppendLine(CultureInfo.InvariantCulture, $"pid {dir}/nginx.pid;");
        sb.AppendLine(CultureInfo.InvariantCulture, $"error_log {dir}/error.log warn;");
        sb.AppendLine("events { worker_connections 8192; }");
        sb.AppendLine("http {");
        sb.AppendLine("    access_log off;");
        sb.AppendLine(TempPaths(dir));
        sb.AppendLine("    keepalive_requests 100000000;");
        sb.AppendLine("    upstream backend {");
        sb.AppendLine(CultureInfo.InvariantCulture, $"        server {Backend}:{Http1Port};");
        sb.AppendLine("        keepalive 256;");
        sb.AppendLine("        keepalive_requests 100000000;");
        sb.AppendLine("    }");
        sb.AppendLine("    server {");
        sb.AppendLine(CultureInfo.InvariantCulture, $"        listen {Nginx}:{Http1Port} default_server backlog=4096;");
        sb.AppendLine(CultureInfo.InvariantCulture, $"        listen {Nginx}:{H2cPort} http2 default_server backlog=4096;");
        sb.AppendLine("        return 404;");
        sb.AppendLine("    }");
        foreach (var i in All)
        {
            sb.AppendLine("    server {");
            sb.AppendLine(CultureInfo.InvariantCulture, $"        listen {Nginx}:{Http1Port};");
            sb.AppendLine(CultureInfo.InvariantCulture, $"        listen {Nginx}:{H2cPort} http2;");
            sb.AppendLine(CultureInfo.InvariantCulture, $"        server_name {Host(i)};");
            sb.AppendLine("        location / {");
            sb.AppendLine(CultureInfo.InvariantCulture, $"            if ($http_{RouteHeader.Replace('-', '_')} != \"{HeaderValue(i)}\") {{ return 404; }}");
            sb.AppendLine("            proxy_pass http://backend;");
            sb.AppendLine("            proxy_http_version 1.1;");
            sb.AppendLine("            proxy_set_header Connection \"\";");
            sb.AppendLine("        }");
            sb.AppendLine("    }");
        }

        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>HAProxy in mode http: an ACL pair per route (host, header), one backend; HTTP/2 prior knowledge on 8082.</summary>
    public static string HaproxyConf(int threads)
    {
        var sb = new StringBuilder();
        sb.AppendLine("global");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    nbthread {threads}");
        sb.AppendLine("    maxconn 8000");
        sb.AppendLine("defaults");
        sb.AppendLine("    mode http");
        sb.AppendLine("    timeout connect 5s");
        sb.AppendLine("    timeout client 60s");
        sb.AppendLine("    timeout server 60s");
        sb.AppendLine("frontend routes");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    bind {Haproxy}:{Http1Port}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    bind {Haproxy}:{H2cPort} proto h2");
        foreach (var i in All)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"    acl host_{i} hdr(host) -i {Host(i)}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    acl header_{i} req.hdr({RouteHeader}) -m str {HeaderValue(i)}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    use_backend backend if host_{i} header_{i}");
        }

        sb.AppendLine("    default_backend not_found");
        sb.AppendLine("backend backend");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    server b1 {Backend}:{Http1Port}");
        sb.AppendLine("backend not_found");
        sb.AppendLine("    http-request return status 404");
        return sb.ToString();
    }

    /// <summary>appsettings for bench/PlainYarp: Kestrel endpoints (HTTP/1.1 on 8080, h2c on 8082), ten routes, one cluster.</summary>
    public static string YarpConfig()
    {
        var routes = new JsonObject();
        foreach (var i in All)
        {
            routes[$"route{i}"] = new JsonObject
            {
                ["ClusterId"] = "backend",
                ["Match"] = new JsonObject
                {
                    ["Path"] = "{**catch-all}",
                    ["Hosts"] = new JsonArray(Host(i)),
                    ["Headers"] = new JsonArray(new JsonObject
                    {
                        ["Name"] = RouteHeader,
                        ["Values"] = new JsonArray(HeaderValue(i)),
                        ["Mode"] = "ExactHeader",
                    }),
                },
            };
        }

        var root = new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["Kestrel"] = new JsonObject
            {
                ["Endpoints"] = new JsonObject
                {
                    ["http1"] = new JsonObject { ["Url"] = $"http://{Yarp}:{Http1Port}", ["Protocols"] = "Http1" },
                    // Kestrel speaks HTTP/2 without TLS only on an HTTP/2-only endpoint (prior knowledge).
                    ["h2c"] = new JsonObject { ["Url"] = $"http://{Yarp}:{H2cPort}", ["Protocols"] = "Http2" },
                },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = routes,
                ["Clusters"] = new JsonObject
                {
                    ["backend"] = new JsonObject
                    {
                        ["Destinations"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = $"http://{Backend}:{Http1Port}/" } },
                    },
                },
            },
        };
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// The mesh: Service backend on Workload backend-1 (node-b), a Gateway of class skein on 127.0.202.24 with an
    /// HTTP listener on 8080 and 8082 (cleartext ports sniff the HTTP/2 preface), ten HTTPRoutes (host + header).
    /// With <paramref name="plaintextHbone"/>, a PeerAuthentication DISABLE on the backend makes the HBONE hop h2c;
    /// with <paramref name="accessLogOff"/>, a Telemetry turns access logging (and so the ALS stream) off in the namespace;
    /// with <paramref name="unmeshed"/>, the backend Workload is outside the mesh (<c>skein.dev/dataplane-mode: none</c>).
    /// </summary>
    public static string SkeinConfig(bool plaintextHbone, bool accessLogOff, bool unmeshed = false)
    {
        var sb = new StringBuilder($"""
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
                port: {Http1Port}
                targetPort: {Http1Port}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: backend-1
              namespace: bench
              labels:
                app: backend{(unmeshed ? "\n    skein.dev/dataplane-mode: none" : "")}
            spec:
              node: node-b
              addresses: [{Backend}]
              serviceAccount: backend
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: bench-gateway
              namespace: bench
            spec:
              gatewayClassName: skein
              addresses:
              - type: IPAddress
                value: {SkeinGateway}
              listeners:
              - name: http1
                port: {Http1Port}
                protocol: HTTP
              - name: h2c
                port: {H2cPort}
                protocol: HTTP

            """);
        foreach (var i in All)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: route-{i}
                  namespace: bench
                spec:
                  parentRefs:
                  - name: bench-gateway
                  hostnames: [{Host(i)}]
                  rules:
                  - matches:
                    - headers:
                      - name: {RouteHeader}
                        value: {HeaderValue(i)}
                    backendRefs:
                    - name: backend
                      port: {Http1Port}

                """);
        }

        if (plaintextHbone)
        {
            sb.Append("""
                ---
                apiVersion: skein.dev/v1alpha1
                kind: PeerAuthentication
                metadata:
                  name: backend-plaintext
                  namespace: bench
                spec:
                  selector:
                    matchLabels:
                      app: backend
                  mtls:
                    mode: DISABLE

                """);
        }

        if (accessLogOff)
        {
            sb.Append("""
                ---
                apiVersion: skein.dev/v1alpha1
                kind: Telemetry
                metadata:
                  name: no-access-log
                  namespace: bench
                spec:
                  accessLogging:
                  - disabled: true

                """);
        }

        return sb.ToString();
    }

    private static string TempPaths(string dir) => $"""
            client_body_temp_path {dir}/tmp;
            proxy_temp_path {dir}/tmp;
            fastcgi_temp_path {dir}/tmp;
            uwsgi_temp_path {dir}/tmp;
            scgi_temp_path {dir}/tmp;
        """;
}
