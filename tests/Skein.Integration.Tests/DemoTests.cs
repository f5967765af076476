using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary><c>skein demo</c> end to end: the check passes, and stopping it leaves no process behind.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_check_verifies_traffic_through_the_proxies_and_exits_0()
    {
        await using var demo = TestProcess.Skein("demo", ["demo", "--check"]);
        var code = await demo.WaitForExitAsync(TimeSpan.FromSeconds(120));
        await Task.Delay(100);
        Assert.True(code == 0, $"skein demo --check exited {code}:\n{demo.Output}");
        Assert.Contains("demo check passed", demo.Output);
        Assert.Contains("PASS  node-a proxied traffic to payments", demo.Output);
        Assert.Empty(OrphanScan.ChildrenOf(demo.Pid));
    }

    [Theory]
    [InlineData(2, "SIGINT (Ctrl-C)")]
    [InlineData(9, "SIGKILL")]
    public async Task Stopping_the_demo_leaves_no_process_behind(int signal, string how)
    {
        await using var demo = TestProcess.Skein("demo", ["demo"]);
        await demo.WaitForOutputAsync("Press Ctrl-C", TimeSpan.FromSeconds(60));
        Assert.NotEmpty(OrphanScan.ChildrenOf(demo.Pid));

        demo.Signal(signal);
        await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // Graceful stop waits for its children; after SIGKILL they notice their parent is gone within seconds.
        await TestMesh.EventuallyAsync(() => Task.FromResult(OrphanScan.ChildrenOf(demo.Pid).Count == 0), TimeSpan.FromSeconds(15),
            $"every demo process to exit after {how}; left: {string.Join(", ", OrphanScan.ChildrenOf(demo.Pid))}");
    }
}
