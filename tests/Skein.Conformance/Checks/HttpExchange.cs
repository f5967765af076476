using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>What came back for one request: status, headers (names lower-cased), the echo reply if the body was one.</summary>
public sealed record CapturedResponse(int StatusCode, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, JsonObject? Echo, string Body);

/// <summary>Where a case's request goes: the gateway's address, the listener port and scheme.</summary>
public sealed record RequestTarget(string Address, int Port, string Scheme)
{
    /// <summary>The URL authority as Go's conformance client writes it: the default port is left out.</summary>
    public string Authority => IsDefaultPort ? Address : $"{Address}:{Port}";

    /// <summary>True for http:80 and https:443.</summary>
    public bool IsDefaultPort => (Scheme == "http" && Port == 80) || (Scheme == "https" && Port == 443);
}

/// <summary>Sends case requests the way upstream's round tripper does (Host header set, redirects not followed).</summary>
public sealed class HttpExchange : IDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, HttpClient> _tlsClients = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a client; TLS server certificates are not verified (the corpus uses self-signed ones). With a
    /// <paramref name="socksProxy"/> every request goes through it on a fresh connection (a meshed client).
    /// </summary>
    public HttpExchange(Uri? socksProxy = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = socksProxy is not null,
            Proxy = socksProxy is null ? null : new WebProxy(socksProxy),
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1),
            PooledConnectionLifetime = socksProxy is null ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Finds the client certificate a case presents (Request.ClientCertificate, "namespace/name").</summary>
    public Func<string, X509Certificate2> ClientCertificates { get; init; } = name => throw new ArgumentException($"no client certificate {name}");

    /// <summary>Sends <paramref name="request"/> to <paramref name="target"/>; <paramref name="extraHeaders"/> are added (X-Echo-Set-Header).</summary>
    public async Task<CapturedResponse> SendAsync(HttpCaseRequest request, RequestTarget target, IReadOnlyDictionary<string, string> extraHeaders, CancellationToken ct)
    {
        // With a server name the connection goes through SniRelay (SocketsHttpHandler takes SNI from the Host header,
        // and these cases send a Host that differs from the SNI on purpose).
        var client = request.ServerName is { Length: > 0 } sni
            ? _tlsClients.GetOrAdd($"{sni}|{request.ClientCertificate}", _ => CreateTlsClient(sni, request.ClientCertificate is { } name ? ClientCertificates(name) : null))
            : _client;
        var url = request.ServerName is { Length: > 0 } ? $"https://{target.Address}:{target.Port}{request.Path}" : $"{target.Scheme}://{target.Authority}{request.Path}";
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(url));
        if (request.Host is { Length: > 0 } host)
        {
            message.Headers.Host = host;
        }

        foreach (var (name, value) in request.Headers.Concat(extraHeaders))
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        (message.Version, message.VersionPolicy) = request.Protocol switch
        {
            HttpProtocol.H2c or HttpProtocol.H2 => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            _ => (HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact),
        };

        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = values.ToList();
        }

        var body = await response.Content.ReadAsStringAsync(ct);
        JsonObject? echo = null;
        if (body.TrimStart().StartsWith('{'))
        {
            try
            {
                echo = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
            }
        }

        return new CapturedResponse((int)response.StatusCode, headers, echo, body);
    }

    // One TLS connection per request (lifetime zero), like upstream's TLS round tripper; ALPN follows the request version.
    private static HttpClient CreateTlsClient(string serverName, X509Certificate2? clientCertificate) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectCallback = (context, ct) => SniRelay.ConnectAsync(context.DnsEndPoint, serverName, context.InitialRequestMessage.Version.Major >= 2, ct, clientCertificate),
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    /// <inheritdoc />
    public void Dispose()
    {
        _client.Dispose();
        foreach (var client in _tlsClients.Values)
        {
            client.Dispose();
        }
    }
}
