using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Conformance.Harness;

/// <summary>One request an echo pod reported receiving.</summary>
public sealed record ReceivedRequest(long Sequence, string Pod, string Namespace, string Method, string Path);

/// <summary>Every request the echo pods logged (their "echo-request" lines), in arrival order; used to check mirrors.</summary>
public sealed class RequestJournal
{
    private const string Prefix = "echo-request ";
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private long _sequence;

    /// <summary>The sequence number the next request will get (a mark to look for requests after).</summary>
    public long Mark => Interlocked.Read(ref _sequence);

    /// <summary>Records <paramref name="line"/> if it is an echo-request line of <paramref name="pod"/>.</summary>
    public void Observe(string pod, string ns, string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var json = JsonNode.Parse(line.AsSpan(Prefix.Length).ToString()) as JsonObject;
            _requests.Enqueue(new ReceivedRequest(
                Interlocked.Increment(ref _sequence), pod, ns, json?["method"]?.GetValue<string>() ?? "", json?["path"]?.GetValue<string>() ?? ""));
            while (_requests.Count > 20_000 && _requests.TryDequeue(out _))
            {
            }
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>Requests received after <paramref name="mark"/>.</summary>
    public IEnumerable<ReceivedRequest> Since(long mark) => _requests.Where(r => r.Sequence > mark);
}
