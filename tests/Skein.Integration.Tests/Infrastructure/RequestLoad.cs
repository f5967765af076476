using System.Collections.Concurrent;
using System.Net;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>HTTP requests in a loop from a few workers (each with its own client and protocol), counting every failure.</summary>
internal sealed class RequestLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private Task[] _workers = [];
    private int _ok;
    private int _failed;

    /// <summary>A new connection per request.</summary>
    public static HttpClient FreshConnections() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>HTTP/1.1 on a kept-alive connection.</summary>
    public static HttpClient Http11KeepAlive() => new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>HTTP/2 without TLS (prior knowledge), one connection for every request.</summary>
    public static HttpClient H2c() => new(new SocketsHttpHandler())
    {
        Timeout = TimeSpan.FromSeconds(20),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>HTTP/1.1 over TLS on a kept-alive connection (the gateway's self-signed certificate is not checked).</summary>
    public static HttpClient Https11KeepAlive() => new(Unverified()) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>HTTP/2 over TLS (ALPN h2), one connection for every request.</summary>
    public static HttpClient Https2() => new(Unverified())
    {
        Timeout = TimeSpan.FromSeconds(20),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static SocketsHttpHandler Unverified() => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };

    public static RequestLoad Start(string pod, params (Uri Url, Func<HttpClient> Client)[] workers)
    {
        var load = new RequestLoad();
        load._workers = [.. workers.Select(w => Task.Run(() => load.RunAsync(w.Url, pod, w.Client)))];
        return load;
    }

    private async Task RunAsync(Uri url, string pod, Func<HttpClient> factory)
    {
        using var http = factory();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && body.Contains(pod, StringComparison.Ordinal) && response.Version == http.DefaultRequestVersion)
                {
                    Interlocked.Increment(ref _ok);
                }
                else
                {
                    Interlocked.Increment(ref _failed);
                    _errors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} HTTP/{response.Version} {(int)response.StatusCode}: {body}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _failed);
                _errors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} HTTP/{http.DefaultRequestVersion} {e.GetType().Name}: {e.Message} {e.InnerException?.Message}");
            }
        }
    }

    public async Task WaitForMoreAsync(int count)
    {
        var target = Volatile.Read(ref _ok) + count;
        await TestMesh.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref _ok) >= target), TimeSpan.FromSeconds(60), $"{count} more successful requests");
    }

    public async Task<(int Ok, int Failed, IReadOnlyList<string> Errors)> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return (_ok, _failed, [.. _errors]);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
