using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.Xds;

namespace Skein.Proxy.L7.Listeners;

/// <summary>Binds and unbinds the L7 listener ports as configuration changes: one server per (address, port).</summary>
/// <remarks>
/// One Kestrel server per bound endpoint (rather than one server restarted on every change) lets a port
/// come and go without touching connections on the others, and a bind failure is known before the new
/// configuration is switched in. Route changes on an already bound port need no rebinding at all: the
/// servers read the current configuration on every request.
/// Every listening socket comes from <see cref="Lifecycle.ListenerRegistry"/> (kind <c>l7</c>, or <c>hbone</c> for a
/// waypoint's HBONE port), so on an upgrade the successor takes over each port both processes' configs have; a port
/// only the old config has closes when the old process stops accepting, one only the new config has is bound by it.
/// </remarks>
public sealed class ListenerManager(L7ConfigStore store, HttpEndpointFactory http, StreamEndpointFactory streams, WaypointInbound waypoint, ILogger<ListenerManager> logger)
    : IHostedService, Lifecycle.IGracefulServer
{
    private readonly Dictionary<IPEndPoint, IEndpointServer> _servers = [];

    /// <summary>What is listening, for the admin config dump.</summary>
    public IReadOnlyList<string> Describe()
    {
        lock (_servers)
        {
            return [.. _servers.Select(p => $"{p.Key} ({p.Value.Kind})").Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Starts servers for new endpoints, switches to <paramref name="config"/>, then stops servers no longer wanted.</summary>
    /// <exception cref="XdsRejectedException">An endpoint could not be bound; nothing changed.</exception>
    public async Task ApplyAsync(L7Config config, CancellationToken ct)
    {
        Dictionary<IPEndPoint, IEndpointServer> current;
        lock (_servers)
        {
            current = new(_servers);
        }

        var started = new Dictionary<IPEndPoint, IEndpointServer>();
        var replaced = new List<IEndpointServer>();
        var desired = config.Bindings.ToDictionary(p => p.Key, p => (p.Value.Kind, Name: p.Value.Listeners[0].Name));
        foreach (var (endPoint, gateway) in config.HboneEndPoints)
        {
            desired[endPoint] = (BindingKind.Hbone, $"{gateway.Key} HBONE");
        }

        foreach (var (endPoint, binding) in desired)
        {
            if (current.TryGetValue(endPoint, out var existing))
            {
                if (SameServerKind(existing.Kind, binding.Kind))
                {
                    continue;
                }

                // HTTP <-> HTTPS on the same port needs a different server: close the old one first to free the port.
                replaced.Add(existing);
                await existing.DisposeAsync();
            }

            try
            {
                started[endPoint] = await StartAsync(endPoint, binding.Kind, ct);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                foreach (var server in started.Values)
                {
                    await server.DisposeAsync();
                }

                lock (_servers)
                {
                    foreach (var gone in _servers.Where(p => replaced.Contains(p.Value)).Select(p => p.Key).ToList())
                    {
                        _servers.Remove(gone);
                    }
                }

                throw new XdsRejectedException($"cannot listen on {endPoint} ({binding.Name}): {e.Message}");
            }
        }

        store.Set(config);
        var removed = new List<IEndpointServer>();
        lock (_servers)
        {
            foreach (var endPoint in _servers.Keys.Where(e => !desired.ContainsKey(e)).ToList())
            {
                removed.Add(_servers[endPoint]);
                _servers.Remove(endPoint);
                logger.LogInformation("closed listener {EndPoint}", endPoint);
            }

            foreach (var (endPoint, server) in started)
            {
                _servers[endPoint] = server;
                logger.LogInformation("listening on {EndPoint} ({Kind})", endPoint, server.Kind);
            }
        }

        foreach (var server in removed)
        {
            await server.DisposeAsync();
        }
    }

    private static bool SameServerKind(BindingKind a, BindingKind b) =>
        a == b || (a is BindingKind.Tls or BindingKind.Tcp && b is BindingKind.Tls or BindingKind.Tcp);

    private async Task<IEndpointServer> StartAsync(IPEndPoint endPoint, BindingKind kind, CancellationToken ct) => kind switch
    {
        BindingKind.Http or BindingKind.Https => await http.StartAsync(endPoint, kind, ct),
        BindingKind.Hbone => await waypoint.StartAsync(endPoint, ct),
        _ => streams.Start(endPoint, kind),
    };

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A drain: every Kestrel server (and the waypoint's) asks its connections to finish; see <see cref="Lifecycle.ProxyDrain"/>.</summary>
    public async Task StopGracefullyAsync(CancellationToken cut)
    {
        List<IEndpointServer> all;
        lock (_servers)
        {
            all = [.. _servers.Values];
        }

        await Task.WhenAll([.. all.Select(s => s.StopGracefullyAsync(cut)), waypoint.StopGracefullyAsync(cut)]);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<IEndpointServer> all;
        lock (_servers)
        {
            all = [.. _servers.Values];
            _servers.Clear();
        }

        foreach (var server in all)
        {
            await server.DisposeAsync();
        }
    }
}
