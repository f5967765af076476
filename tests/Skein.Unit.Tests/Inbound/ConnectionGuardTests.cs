using Microsoft.Extensions.Logging.Abstractions;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.Inbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Unit.Tests.Identity;

namespace Skein.Unit.Tests.Inbound;

/// <summary>The guard over open inbound tunnels: what a recheck decides, and what it leaves alone.</summary>
public sealed class ConnectionGuardTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _rootFile = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");
    private readonly ProxyStateStore _state = new();
    private readonly ProxyStats _stats = new();
    private readonly MeshTrust _trust;
    private readonly ConnectionGuard _guard;

    public ConnectionGuardTests()
    {
        File.WriteAllText(_rootFile, _pki.CreateRoot("cluster.local").ExportCertificatePem());
        _trust = new MeshTrust(new ProxyOptions { Node = "n", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _rootFile, Token = "t" });
        _guard = new ConnectionGuard(_state, _trust, _stats, NullLogger<ConnectionGuard>.Instance);
    }

    public void Dispose()
    {
        _guard.Dispose();
        File.Delete(_rootFile);
        _pki.Dispose();
    }

    [Fact]
    public void A_tunnel_its_recheck_refuses_is_cancelled_once_with_the_reason_and_the_others_stay()
    {
        var deny = false;
        using var refused = _guard.Track("a", _ => deny ? "denied by policy default/x" : null, CancellationToken.None);
        using var kept = _guard.Track("b", _ => null, CancellationToken.None);

        _guard.RecheckAll();
        Assert.False(refused.Token.IsCancellationRequested);

        deny = true;
        _guard.RecheckAll();
        _guard.RecheckAll();
        Assert.True(refused.Token.IsCancellationRequested);
        Assert.Equal("denied by policy default/x", refused.Revoked);
        Assert.False(kept.Token.IsCancellationRequested);
        Assert.Null(kept.Revoked);
        Assert.Equal(1, _stats.Get("inbound.closed_by_config_change").Value);
    }

    [Fact]
    public void A_check_that_throws_keeps_the_tunnel_and_a_disposed_tunnel_is_no_longer_checked()
    {
        var checks = 0;
        using var faulty = _guard.Track("faulty", _ => throw new InvalidOperationException("defect"), CancellationToken.None);
        var done = _guard.Track("done", _ => { checks++; return "gone"; }, CancellationToken.None);
        done.Dispose();

        _guard.RecheckAll();
        Assert.False(faulty.Token.IsCancellationRequested);
        Assert.Equal(0, checks);
        Assert.Equal(1, _guard.Count);
    }

    [Fact]
    public async Task A_config_change_or_a_dropped_trust_domain_triggers_a_recheck()
    {
        var passes = 0;
        using var tunnel = _guard.Track("t", _ => { Interlocked.Increment(ref passes); return null; }, CancellationToken.None);

        _state.Replace(s => s);
        await WaitForAsync(() => Volatile.Read(ref passes) >= 1);

        var before = Volatile.Read(ref passes);
        _trust.Bundles.Set("peer.test", [_pki.CreateRoot("peer.test")]);
        _trust.Bundles.Remove("peer.test");
        await WaitForAsync(() => Volatile.Read(ref passes) > before);
    }

    [Fact]
    public void The_callers_token_still_ends_the_tunnel_without_a_revocation()
    {
        using var caller = new CancellationTokenSource();
        using var tunnel = _guard.Track("t", _ => null, caller.Token);
        caller.Cancel();
        Assert.True(tunnel.Token.IsCancellationRequested);
        Assert.Null(tunnel.Revoked);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
