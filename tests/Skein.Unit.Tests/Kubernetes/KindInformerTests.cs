using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control.Sources.Kubernetes;

namespace Skein.Unit.Tests.Kubernetes;

public sealed class KindInformerTests
{
    private static readonly KubernetesKind Kind = KubernetesKind.Find("AuthorizationPolicy")!;

    [Fact]
    public async Task Lists_then_watches_from_the_list_version_and_resumes_from_the_last_event_or_bookmark()
    {
        var api = new FakeKubernetesApi();
        api.Lists.Enqueue(() => ([FakeKubernetesApi.Policy("a", "7"), FakeKubernetesApi.Policy("b", "9")], "10"));
        api.Watches.Enqueue(([
            FakeKubernetesApi.Event("ADDED", "c", "11"),
            FakeKubernetesApi.Event("MODIFIED", "a", "12", "DENY"),
            FakeKubernetesApi.Event("DELETED", "b", "13"),
            new KubernetesWatchEvent("BOOKMARK", new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = "15" } }),
        ], null)); // then the server ends the watch (timeout)
        var sink = new RecordingSink();

        await using var run = Run(api, sink, out var informer);
        await WaitForCallAsync(api, "watch@15");

        Assert.Equal(["list", "watch@10", "watch@15"], api.Calls);
        Assert.Equal(["replace a,b", "upsert c", "upsert a", "delete b"], sink.Log);
        Assert.Equal(1, informer.Lists);
        Assert.True(informer.Listed.IsCompleted);
    }

    [Fact]
    public async Task A_410_Gone_makes_it_list_again_and_hand_over_the_whole_set()
    {
        var api = new FakeKubernetesApi();
        api.Lists.Enqueue(() => ([FakeKubernetesApi.Policy("a", "7")], "10"));
        api.Watches.Enqueue(([new KubernetesWatchEvent("ERROR", new JsonObject { ["kind"] = "Status", ["code"] = 410, ["message"] = "too old resource version" })], null));
        api.Lists.Enqueue(() => ([FakeKubernetesApi.Policy("b", "19")], "20"));
        var sink = new RecordingSink();

        await using var run = Run(api, sink, out var informer);
        await WaitForCallAsync(api, "watch@20");

        Assert.Equal(["list", "watch@10", "list", "watch@20"], api.Calls);
        Assert.Equal(["replace a", "replace b"], sink.Log);
        Assert.Equal(2, informer.Lists);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_the_last_version_seen_without_listing_again()
    {
        var api = new FakeKubernetesApi();
        api.Lists.Enqueue(() => ([], "10"));
        api.Watches.Enqueue(([FakeKubernetesApi.Event("ADDED", "a", "11")], new IOException("connection reset")));
        api.Watches.Enqueue(([], new HttpRequestException("connection refused")));
        var sink = new RecordingSink();

        await using var run = Run(api, sink, out var informer);
        await WaitForCallAsync(api, "watch@11");
        await WaitForCallAsync(api, "watch@11");

        Assert.Equal(["list", "watch@10", "watch@11", "watch@11"], api.Calls);
        Assert.Equal(["replace ", "upsert a"], sink.Log);
        Assert.Equal(1, informer.Lists);
    }

    [Fact]
    public async Task A_failed_first_list_is_retried_and_the_kind_counts_as_listed_only_after_it_succeeds()
    {
        var api = new FakeKubernetesApi();
        api.Lists.Enqueue(() => throw new HttpRequestException("connection refused"));
        api.Lists.Enqueue(() => ([FakeKubernetesApi.Policy("a", "3")], "5"));
        var sink = new RecordingSink();

        await using var run = Run(api, sink, out var informer);
        await WaitForCallAsync(api, "watch@5");

        Assert.Equal(["list", "list", "watch@5"], api.Calls);
        Assert.True(informer.Listed.IsCompleted);
        Assert.Equal(["replace a"], sink.Log);
    }

    [Fact]
    public async Task A_kind_the_server_does_not_serve_counts_as_listed_and_empty()
    {
        var api = new FakeKubernetesApi();
        api.Lists.Enqueue(() => null);
        var sink = new RecordingSink();

        await using var run = Run(api, sink, out var informer);
        await informer.Listed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["replace "], sink.Log);
        Assert.Equal(["list"], api.Calls);
    }

    private static Running Run(FakeKubernetesApi api, RecordingSink sink, out KindInformer informer)
    {
        informer = new KindInformer(Kind, api, sink, NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var started = informer;
        return new Running(Task.Run(() => started.RunAsync(stop.Token)), stop);
    }

    private static async Task WaitForCallAsync(FakeKubernetesApi api, string call)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await api.CallLog.Reader.ReadAsync(guard.Token) != call)
        {
        }
    }

    private sealed class Running(Task task, CancellationTokenSource stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await task;
            stop.Dispose();
        }
    }

    private sealed class RecordingSink : IKubernetesObjectSink
    {
        public List<string> Log { get; } = [];

        public void Replace(KubernetesKind kind, IReadOnlyList<JsonObject> items) =>
            Log.Add("replace " + string.Join(',', items.Select(i => i["metadata"]!["name"]!.GetValue<string>())));

        public void Upsert(KubernetesKind kind, JsonObject item) => Log.Add("upsert " + item["metadata"]!["name"]!.GetValue<string>());

        public void Delete(KubernetesKind kind, JsonObject item) => Log.Add("delete " + item["metadata"]!["name"]!.GetValue<string>());
    }
}
