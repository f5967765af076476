namespace Skein.Integration.Tests.Infrastructure;

/// <summary>Runs the system's curl (a client nobody here wrote) and returns its exit code and output.</summary>
public static class Curl
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        await using var curl = TestProcess.Start("curl", "curl", ["--silent", "--show-error", "--max-time", "10", .. args]);
        var code = await curl.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(50); // let the async output readers drain
        return (code, curl.Output);
    }
}
