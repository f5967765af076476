namespace Skein.Proxy.L7.Listeners;

/// <summary>Something serving one bound (address, port): a Kestrel server or a socket listener.</summary>
public interface IEndpointServer : IAsyncDisposable
{
    Configuration.BindingKind Kind { get; }

    /// <summary>A drain: asks the connections to finish (Kestrel's graceful stop), aborting them when <paramref name="cut"/> fires.
    /// Socket listeners have nothing to ask (their connections are the registry's to wait for or cut).</summary>
    Task StopGracefullyAsync(CancellationToken cut) => Task.CompletedTask;
}
