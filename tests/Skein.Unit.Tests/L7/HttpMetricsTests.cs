using Skein.Core.Protos.Workload;
using Skein.Proxy.L7.Observability;

namespace Skein.Unit.Tests.L7;

/// <summary>Istio's HTTP metrics: one series per distinct set of label values, however the objects behind them were made.</summary>
public sealed class HttpMetricsTests
{
    [Fact]
    public void Equal_labels_from_different_config_objects_count_in_one_series_and_different_ones_apart()
    {
        var metrics = new HttpMetrics();
        // A config push replaces the workload and service objects with equal new ones: the series must stay one.
        var (before, beforeService) = Destination();
        var (after, afterService) = Destination();

        metrics.Record(HttpLabels.For("source", "gw", "ingress", "spiffe://cluster.local/ns/ingress/sa/gw", before, "spiffe://cluster.local/ns/shop/sa/cart", beforeService, "http", 200, "-", "mutual_tls"), TimeSpan.FromMilliseconds(2));
        metrics.Record(HttpLabels.For("source", "gw", "ingress", "spiffe://cluster.local/ns/ingress/sa/gw", before, "spiffe://cluster.local/ns/shop/sa/cart", beforeService, "http", 200, "-", "mutual_tls"), TimeSpan.FromMilliseconds(3));
        metrics.Record(HttpLabels.For("source", new string("gw".AsSpan()), "ingress", "spiffe://cluster.local/ns/ingress/sa/gw", after, "spiffe://cluster.local/ns/shop/sa/cart", afterService, "http", 200, "-", "mutual_tls"), TimeSpan.FromMilliseconds(4));
        metrics.Record(HttpLabels.For("source", "gw", "ingress", "spiffe://cluster.local/ns/ingress/sa/gw", after, "spiffe://cluster.local/ns/shop/sa/cart", afterService, "http", 503, "UF", "mutual_tls"), TimeSpan.FromMilliseconds(1));

        var lines = metrics.Render().Split('\n').Where(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Single(lines, l => l.Contains("response_code=\"200\"", StringComparison.Ordinal) && l.EndsWith(" 3", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("response_code=\"503\"", StringComparison.Ordinal) && l.Contains("response_flags=\"UF\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
    }

    private static (Workload, Service) Destination() => (
        new Workload { Name = "cart-1", Namespace = "shop", WorkloadName = "cart-1", CanonicalName = "cart", CanonicalRevision = "v1" },
        new Service { Name = "cart", Namespace = "shop", Hostname = "cart.shop.svc.cluster.local" });
}
