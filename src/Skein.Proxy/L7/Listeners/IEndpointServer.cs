namespace Skein.Proxy.L7.Listeners;

/// <summary>Something serving one bound (address, port): a Kestrel server or a socket listener.</summary>
public interface IEndpointServer : IAsyncDisposable
{
    Configuration.BindingKind Kind { get; }
}
