using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Control.Store;
using Skein.Core.Configuration;

namespace Skein.Control.Sources;

/// <summary>Loads a config directory into the store and follows it: created, edited and deleted files take effect live.</summary>
/// <remarks>
/// Each file is its own store source, so an invalid edit to one file is rejected on its own while the
/// rest of the mesh, and that file's last good content, keep serving. inotify (FileSystemWatcher) gives
/// the low-latency path; a slow rescan catches events the watcher can miss (editors that swap files,
/// overflowing event queues).
/// </remarks>
public sealed class FileConfigSource(ConfigStore store, ControlPlaneOptions options, ILogger<FileConfigSource> logger) : BackgroundService
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var root = Path.GetFullPath(options.ConfigDirectory);
        Directory.CreateDirectory(root);
        using var watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => _signal.Release();
        watcher.Created += (_, _) => _signal.Release();
        watcher.Deleted += (_, _) => _signal.Release();
        watcher.Renamed += (_, _) => _signal.Release();
        watcher.Error += (_, e) =>
        {
            logger.LogWarning(e.GetException(), "config watcher error; rescanning");
            _signal.Release();
        };
        watcher.EnableRaisingEvents = true;

        Scan(root);
        store.MarkInitialized();
        logger.LogInformation("loaded config from {Directory}: {Count} resources, {Errors} errors", root, store.Current.Resources.Count, store.Current.Errors.Count);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(Rescan, stoppingToken);
                await Task.Delay(Debounce, stoppingToken);
                while (_signal.CurrentCount > 0)
                {
                    _signal.Wait(0, CancellationToken.None);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Scan(root);
        }
    }

    /// <summary>Reloads every file whose content changed and drops files that disappeared.</summary>
    internal void Scan(string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in EnumerateConfigFiles(root))
        {
            seen.Add(file);
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                continue; // being written; the next event or rescan picks it up
            }

            var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
            if (_hashes.TryGetValue(file, out var previous) && previous == hash)
            {
                continue;
            }

            _hashes[file] = hash;
            var result = ResourceLoader.LoadText(text, Path.Combine(options.ConfigDirectory, Path.GetRelativePath(root, file)));
            store.Apply(file, result);
            if (result.Ok)
            {
                logger.LogInformation("applied {File}: {Count} resources (config version {Version})", file, result.Resources.Count, store.Current.Version);
            }
        }

        foreach (var gone in _hashes.Keys.Where(f => !seen.Contains(f)).ToList())
        {
            _hashes.Remove(gone);
            store.Remove(gone);
            logger.LogInformation("removed {File} (config version {Version})", gone, store.Current.Version);
        }
    }

    private static IEnumerable<string> EnumerateConfigFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);
}
