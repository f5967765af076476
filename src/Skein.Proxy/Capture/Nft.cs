using System.Diagnostics;

namespace Skein.Proxy.Capture;

/// <summary>nft could not do what was asked: missing, not permitted, or the script was refused.</summary>
public sealed class NftException(string message) : Exception(message);

/// <summary>Runs <c>nft -f -</c> with a script on standard input.</summary>
public static class Nft
{
    /// <summary>What stops capture from working here, in words an operator can act on; null when nft runs and may change rules.</summary>
    public static async Task<string?> ProblemAsync(CancellationToken ct)
    {
        try
        {
            await RunAsync("list tables\n", ct);
            return null;
        }
        catch (NftException e)
        {
            return e.Message;
        }
    }

    /// <summary>Whether Skein's table exists in this network namespace.</summary>
    public static async Task<bool> TableExistsAsync(CancellationToken ct)
    {
        try
        {
            await RunAsync($"list table {NftablesRules.Family} {NftablesRules.Table}\n", ct);
            return true;
        }
        catch (NftException)
        {
            return false;
        }
    }

    public static async Task RunAsync(string script, CancellationToken ct)
    {
        var info = new ProcessStartInfo("nft", ["-f", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new NftException("nft did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new NftException("nft was not found on PATH: install nftables (e.g. `apt-get install nftables`)");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.StandardInput.WriteAsync(script.AsMemory(), ct);
            process.StandardInput.Close();
            await process.WaitForExitAsync(ct);
            var error = (await stderr).Trim();
            await stdout;
            if (process.ExitCode != 0)
            {
                throw new NftException(error.Contains("Operation not permitted", StringComparison.Ordinal)
                    ? "nft needs root (CAP_NET_ADMIN in this network namespace) to change rules: run the proxy as root, or install the rules yourself (`skein capture rules`) and use --capture external"
                    : $"nft failed (exit {process.ExitCode}): {error}");
            }
        }
    }
}
