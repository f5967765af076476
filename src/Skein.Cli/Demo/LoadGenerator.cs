using System.Net;

namespace Skein.Cli.Demo;

/// <summary>Steady demo traffic: browses and buys through a workload's SOCKS5 port, as a meshed client would, or straight at the ingress gateway, as an outside client would (no proxy).</summary>
internal sealed class LoadGenerator(Uri? socksProxy, Uri frontend) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        Proxy = socksProxy is null ? null : new WebProxy(socksProxy),
        UseProxy = socksProxy is not null,
        PooledConnectionLifetime = TimeSpan.FromSeconds(5),
    })
    { Timeout = TimeSpan.FromSeconds(5) };

    private Task _loop = Task.CompletedTask;
    private long _ok;
    private long _failed;

    public long Succeeded => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    public string? LastError { get; private set; }

    public void Start(int requestsPerSecond = 10)
    {
        _loop = Task.Run(async () =>
        {
            var delay = TimeSpan.FromMilliseconds(1000.0 / requestsPerSecond);
            var n = 0;
            while (!_stop.IsCancellationRequested)
            {
                var path = (n++ % 5) switch
                {
                    0 => "buy/1",
                    1 => "",
                    _ => "books",
                };
                _ = SendAsync(new Uri(frontend, path));
                try
                {
                    await Task.Delay(delay, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    private async Task SendAsync(Uri uri)
    {
        try
        {
            using var response = await _http.GetAsync(uri, _stop.Token);
            await response.Content.ReadAsByteArrayAsync(_stop.Token);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _ok);
            }
            else
            {
                Interlocked.Increment(ref _failed);
                LastError = $"{uri.PathAndQuery}: HTTP {(int)response.StatusCode}";
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failed);
                LastError = $"{uri.PathAndQuery}: {e.Message}";
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _http.Dispose();
        _stop.Dispose();
    }
}
