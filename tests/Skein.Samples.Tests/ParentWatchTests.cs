using System.Diagnostics;

namespace Skein.Samples.Tests;

/// <summary>--parent-pid makes a sample exit when its parent dies, so a killed demo leaves no orphans.</summary>
public sealed class ParentWatchTests
{
    [Fact]
    public async Task SampleExitsWhenItsParentIsGone()
    {
        using var http = TestHttp.NewClient();
        // A stand-in parent we can kill (the tests run on Linux, where sleep is always present).
        using var parent = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        using var echo = SampleProcess.Start("Skein.Samples.Echo", [], parentPid: parent.Id);
        try
        {
            await echo.WaitHealthyAsync(http);
            Assert.False(echo.HasExited);

            parent.Kill();
            Assert.True(echo.WaitForExit(TimeSpan.FromSeconds(10)), $"echo outlived its parent:\n{echo.Output}");
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }
}
