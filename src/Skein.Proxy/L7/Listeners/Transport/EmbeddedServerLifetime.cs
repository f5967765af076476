using Microsoft.Extensions.Hosting;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>The host lifetime of a Kestrel server the proxy runs inside its own host: no signal handling of its own.</summary>
/// <remarks>
/// A web application's default lifetime (ConsoleLifetime) registers for SIGTERM and Ctrl-C; each listener's server
/// would then react to the signal by itself. The proxy's host owns the signals and drains every server
/// (<see cref="Lifecycle.ProxyDrain"/>), so the embedded servers start and stop only when told.
/// </remarks>
internal sealed class EmbeddedServerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
