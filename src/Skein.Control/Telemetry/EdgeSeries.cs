namespace Skein.Control.Telemetry;

/// <summary>One topology edge's golden signals in 10 s buckets over the last hour, plus its latest failure.</summary>
/// <remarks>
/// A ring of <see cref="TopologyAggregator.BucketCount"/> buckets indexed by the bucket's epoch number; a bucket
/// whose epoch is older than the ring is reset on reuse, so nothing needs a sweeper. Latency histograms are
/// allocated only for buckets that saw traffic.
/// </remarks>
public sealed class EdgeSeries(DateTimeOffset firstSeen)
{
    private readonly Lock _gate = new();
    private readonly Bucket[] _buckets = new Bucket[TopologyAggregator.BucketCount];

    public DateTimeOffset FirstSeen { get; } = firstSeen;

    public ObservedRecord? LastError { get; private set; }

    public void Add(ObservedRecord r, long epoch)
    {
        var weight = 1 / r.SampleRate;
        lock (_gate)
        {
            var bucket = BucketFor(epoch);
            bucket.Requests += weight;
            bucket.BytesSent += r.BytesSent;
            bucket.BytesReceived += r.BytesReceived;
            if (r.IsError)
            {
                bucket.Errors += weight;
                Prefer(r);
            }

            if (r.Security == "mutual_tls")
            {
                bucket.Mtls++;
            }
            else if (r.Security is "plaintext" or "none")
            {
                // "none": plain TCP to a destination outside the mesh (or a gateway's hop without mTLS), unencrypted all the same.
                bucket.Plaintext++;
            }

            // A refused connection has no meaningful latency; only served ones feed the percentiles.
            if (r.FailedHop is null || r.Duration > TimeSpan.Zero)
            {
                (bucket.Latency ??= new LatencyHistogram()).Record(r.Duration.TotalMilliseconds, (long)Math.Round(weight));
            }
        }
    }

    /// <summary>Records a failure seen by the other end of the connection as the latest error, without counting it.</summary>
    public void NoteError(ObservedRecord r)
    {
        lock (_gate)
        {
            Prefer(r);
        }
    }

    /// <summary>The newer failure wins, except that the two ends' records of one refusal (within a second) keep the one naming a policy.</summary>
    private void Prefer(ObservedRecord r)
    {
        var sameFailure = LastError is { } last && (r.Start - last.Start).Duration() <= TimeSpan.FromSeconds(1);
        if (LastError is null || (sameFailure ? r.Policy is not null || LastError.Policy is null : r.Start > LastError.Start))
        {
            LastError = r;
        }
    }

    /// <summary>Sums the buckets with epochs in [<paramref name="fromEpoch"/>, <paramref name="toEpoch"/>].</summary>
    public EdgeTotals Sum(long fromEpoch, long toEpoch)
    {
        var totals = new EdgeTotals();
        lock (_gate)
        {
            for (var e = Math.Max(fromEpoch, toEpoch - TopologyAggregator.BucketCount + 1); e <= toEpoch; e++)
            {
                var b = _buckets[Slot(e)];
                if (b is null || b.Epoch != e)
                {
                    continue;
                }

                totals.Add(b);
            }
        }

        return totals;
    }

    private Bucket BucketFor(long epoch)
    {
        var slot = Slot(epoch);
        var bucket = _buckets[slot];
        if (bucket is null || bucket.Epoch != epoch)
        {
            bucket = _buckets[slot] = new Bucket { Epoch = epoch };
        }

        return bucket;
    }

    private static int Slot(long epoch) => (int)(((epoch % TopologyAggregator.BucketCount) + TopologyAggregator.BucketCount) % TopologyAggregator.BucketCount);

    /// <summary>One 10 s bucket.</summary>
    internal sealed class Bucket
    {
        public long Epoch;
        public double Requests;
        public double Errors;
        public long BytesSent;
        public long BytesReceived;
        public long Mtls;
        public long Plaintext;
        public LatencyHistogram? Latency;
    }
}

/// <summary>An edge's totals over a window (a merge of its buckets).</summary>
public sealed class EdgeTotals
{
    public double Requests { get; private set; }
    public double Errors { get; private set; }
    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    public long Mtls { get; private set; }
    public long Plaintext { get; private set; }
    public LatencyHistogram Latency { get; } = new();

    /// <summary>"mixed" when both were seen, "plaintext" when only plaintext was; otherwise mTLS, the mesh's default.</summary>
    public string MtlsState => Plaintext > 0 ? (Mtls > 0 ? "mixed" : "plaintext") : "mutual_tls";

    internal void Add(EdgeSeries.Bucket b)
    {
        Requests += b.Requests;
        Errors += b.Errors;
        BytesSent += b.BytesSent;
        BytesReceived += b.BytesReceived;
        Mtls += b.Mtls;
        Plaintext += b.Plaintext;
        if (b.Latency is not null)
        {
            Latency.Merge(b.Latency);
        }
    }
}
