using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Skein.Conformance.Corpus;
using Skein.Samples.Echo.Grpc.Contract;

namespace Skein.Conformance.Checks;

/// <summary>Runs a gRPC case against a Gateway listener (h2c) and checks status, serving pod and response metadata.</summary>
public sealed class GrpcProbe : IDisposable
{
    private readonly SocketsHttpHandler _handler = new()
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionLifetime = TimeSpan.Zero,
    };

    /// <summary>Null when the call through <paramref name="target"/> meets <paramref name="c"/>; otherwise the first difference.</summary>
    public async Task<string?> RunAsync(GrpcCase c, RequestTarget target, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress($"http://{target.Address}:{target.Port}", new GrpcChannelOptions
        {
            HttpHandler = new AuthorityHandler(c.Authority) { InnerHandler = _handler },
            DisposeHttpClient = false,
        });
        var client = new GrpcEcho.GrpcEchoClient(channel);
        var metadata = new Metadata();
        foreach (var (key, value) in c.Metadata)
        {
            metadata.Add(key.ToLowerInvariant(), value);
        }

        var options = new CallOptions(metadata, DateTime.UtcNow.AddSeconds(10), ct);
        using var call = c.Method switch
        {
            GrpcMethod.EchoTwo => client.EchoTwoAsync(new EchoRequest(), options),
            GrpcMethod.EchoThree => client.EchoThreeAsync(new EchoRequest(), options),
            _ => client.EchoAsync(new EchoRequest(), options),
        };
        EchoResponse response;
        Metadata headers;
        try
        {
            response = await call.ResponseAsync;
            headers = await call.ResponseHeadersAsync;
        }
        catch (RpcException e)
        {
            return e.StatusCode.ToString().Equals(c.ExpectedCode, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"expected gRPC status {c.ExpectedCode}, got {e.StatusCode} ({e.Status.Detail})";
        }

        return Evaluate(c, response, headers);
    }

    /// <summary>Compares a successful reply with the case (pure, for unit tests).</summary>
    public static string? Evaluate(GrpcCase c, EchoResponse response, Metadata headers)
    {
        if (!c.ExpectedCode.Equals("OK", StringComparison.OrdinalIgnoreCase))
        {
            return $"expected gRPC status {c.ExpectedCode}, got OK";
        }

        var assertions = response.Assertions ?? new Assertions();
        if (assertions.FullyQualifiedMethod != c.FullMethod)
        {
            return $"expected method {c.FullMethod} at the backend, it saw {assertions.FullyQualifiedMethod}";
        }

        if (c.Namespace is { Length: > 0 } ns && assertions.Context?.Namespace != ns)
        {
            return $"expected namespace {ns}, got {assertions.Context?.Namespace}";
        }

        if (c.Backend is { Length: > 0 } backend && !(assertions.Context?.Pod ?? "").StartsWith(backend, StringComparison.Ordinal))
        {
            return $"expected pod {backend}-*, got {assertions.Context?.Pod}";
        }

        foreach (var (key, value) in c.ResponseHeaders)
        {
            var got = headers.GetAll(key.ToLowerInvariant()).Select(h => h.Value).ToList();
            if (string.Join(",", got) != value)
            {
                return got.Count == 0 ? $"expected response metadata {key}: {value}, it is missing" : $"expected response metadata {key}: {value}, got {string.Join(",", got)}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    public void Dispose() => _handler.Dispose();

    // gRPC clients take :authority from the address; a case's Authority goes in as the Host header, which HTTP/2 sends as :authority.
    private sealed class AuthorityHandler(string? authority) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (authority is { Length: > 0 })
            {
                request.Headers.Host = authority;
            }

            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            request.Version = HttpVersion.Version20;
            return base.SendAsync(request, ct);
        }
    }
}
