using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Identity;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.Inbound;

/// <summary>Keeps open inbound tunnels under the rules that admitted them: when config or trust changes, re-checks each and closes those no longer allowed.</summary>
/// <remarks>
/// A DENY policy added against a caller, a PeerAuthentication turned STRICT under a plaintext tunnel, or a peer mesh
/// unfederated must not leave that caller's long-lived connections running (ztunnel closes them too). Each tunnel
/// registers the check that admitted it; checks run off the xDS thread, coalesced: one pass per burst of changes.
/// </remarks>
public sealed class ConnectionGuard : IDisposable
{
    private readonly ConcurrentDictionary<Tunnel, byte> _open = new();
    private readonly ProxyStateStore _state;
    private readonly MeshTrust _trust;
    private readonly Counter _revoked;
    private readonly ILogger<ConnectionGuard> _logger;
    private int _scheduled;

    public ConnectionGuard(ProxyStateStore state, MeshTrust trust, ProxyStats stats, ILogger<ConnectionGuard> logger)
    {
        _state = state;
        _trust = trust;
        _revoked = stats.Get("inbound.closed_by_config_change");
        _logger = logger;
        state.Changed += OnStateChanged;
        trust.Bundles.Removed += OnTrustRemoved;
    }

    /// <summary>Tunnels being guarded now.</summary>
    public int Count => _open.Count;

    /// <summary>
    /// Guards a tunnel until the returned handle is disposed: <paramref name="recheck"/> says why it may no longer run (null
    /// while it may); when it does, the handle's token is cancelled and <see cref="Tunnel.Revoked"/> says why.
    /// </summary>
    public Tunnel Track(string description, Func<MeshState, string?> recheck, CancellationToken ct)
    {
        var tunnel = new Tunnel(this, description, recheck, ct);
        _open[tunnel] = 0;
        return tunnel;
    }

    private void OnStateChanged(MeshState _) => Schedule();

    private void OnTrustRemoved(string _) => Schedule();

    private void Schedule()
    {
        if (!_open.IsEmpty && Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static guard => guard.RecheckAll(), this, preferLocal: false);
        }
    }

    /// <summary>Re-checks every open tunnel against the current config and trust; internal so tests can run a pass directly.</summary>
    internal void RecheckAll()
    {
        Volatile.Write(ref _scheduled, 0);
        var mesh = _state.Current;
        foreach (var tunnel in _open.Keys)
        {
            string? reason;
            try
            {
                reason = tunnel.Recheck(mesh);
            }
            catch (Exception e)
            {
                // A check that cannot decide keeps the tunnel: closing on a defect would turn every bug into an outage.
                _logger.LogError(e, "re-checking {Tunnel} failed; it stays open", tunnel.Description);
                continue;
            }

            if (reason is not null && tunnel.Revoke(reason))
            {
                _logger.LogWarning("closing {Tunnel}: {Reason} (config or trust changed since it was opened)", tunnel.Description, reason);
            }
        }
    }

    public void Dispose()
    {
        _state.Changed -= OnStateChanged;
        _trust.Bundles.Removed -= OnTrustRemoved;
    }

    /// <summary>One guarded tunnel: cancel <see cref="Token"/> ends its relay.</summary>
    public sealed class Tunnel : IDisposable
    {
        private readonly ConnectionGuard _guard;
        private readonly CancellationTokenSource _cts;
        private string? _revoked;

        internal Tunnel(ConnectionGuard guard, string description, Func<MeshState, string?> recheck, CancellationToken ct)
        {
            _guard = guard;
            Description = description;
            Recheck = recheck;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        internal string Description { get; }

        internal Func<MeshState, string?> Recheck { get; }

        /// <summary>Cancelled when the tunnel is revoked (or the caller's token is).</summary>
        public CancellationToken Token => _cts.Token;

        /// <summary>Why the tunnel was closed by a config or trust change; null if it was not.</summary>
        public string? Revoked => Volatile.Read(ref _revoked);

        internal bool Revoke(string reason)
        {
            if (Interlocked.CompareExchange(ref _revoked, reason, null) is not null)
            {
                return false;
            }

            // Counted before the cancel closes the tunnel: a client that saw the close must find it counted.
            _guard._revoked.Add(1);
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            return true;
        }

        public void Dispose()
        {
            _guard._open.TryRemove(this, out _);
            _cts.Dispose();
        }
    }
}
