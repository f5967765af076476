using System.Globalization;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Browser.Tests.Infrastructure;

/// <summary>
/// One <c>skein demo</c> shared by a test class, on a private 127.N.0.0/16 (below the integration tests'
/// 127.60+ blocks) so a demo already running on the default addresses does not get in the way.
/// </summary>
public sealed class RunningDemo : IAsyncLifetime
{
    private TestProcess? _process;

    public int Block { get; } = 30 + (Environment.ProcessId % 30);

    public string Root { get; } = Directory.CreateTempSubdirectory("skein-browser-demo-").FullName;

    public Uri Dashboard => new($"http://127.{Block}.0.1:20001/");

    public string ConfigDir => Path.Combine(Root, "config");

    public string InjectDir => Path.Combine(Root, "inject");

    public TestProcess Process => _process ?? throw new InvalidOperationException("the demo has not started");

    public async Task InitializeAsync()
    {
        _process = TestProcess.Skein("demo", ["demo", "--rps", "20", "--dir", Root],
            new Dictionary<string, string> { ["SKEIN_DEMO_BLOCK"] = Block.ToString(CultureInfo.InvariantCulture) });
        await _process.WaitForOutputAsync("Press Ctrl-C", TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.Signal(2);
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var left = OrphanScan.ChildrenOf(_process.Pid);
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        if (left.Count > 0)
        {
            throw new InvalidOperationException($"the demo left processes behind: {string.Join(", ", left)}");
        }
    }
}
