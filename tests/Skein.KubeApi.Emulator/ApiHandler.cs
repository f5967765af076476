using System.Text;
using System.Text.Json.Nodes;

namespace Skein.KubeApi.Emulator;

/// <summary>Routes Kubernetes API paths (discovery, resources, subresources, TokenRequest, TokenReview) to the store.</summary>
/// <remarks>
/// Paths are parsed by hand rather than with ASP.NET routes because the API's shape is ambiguous to a route
/// table: /api/v1/namespaces/x is a Namespace while /api/v1/namespaces/x/pods lists Pods.
/// </remarks>
public sealed class ApiHandler(ObjectStore store, Tokens tokens, string serverAddress)
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await DispatchAsync(context);
        }
        catch (ApiException e)
        {
            await WriteStatusAsync(context, e.Code, e.Reason, e.Message);
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteStatusAsync(context, 400, "BadRequest", e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
        {
            await WriteStatusAsync(context, 500, "InternalError", e.Message);
        }
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path is "/healthz" or "/readyz" or "/livez")
        {
            await context.Response.WriteAsync("ok");
            return;
        }

        if (path == "/version")
        {
            await WriteJsonAsync(context, 200, new JsonObject
            {
                ["major"] = "1",
                ["minor"] = "32",
                ["gitVersion"] = "v1.32.0-skein-emulator",
                ["platform"] = "linux/amd64",
            });
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var subject = header.StartsWith("Bearer ", StringComparison.Ordinal) ? tokens.Authenticate(header["Bearer ".Length..].Trim()) : null;
        if (subject is null)
        {
            throw new ApiException(401, "Unauthorized", "Unauthorized");
        }

        if (path == "/emulator/compact" && HttpMethods.IsPost(context.Request.Method))
        {
            store.Compact();
            await WriteJsonAsync(context, 200, new JsonObject { ["resourceVersion"] = store.Version.ToString() });
            return;
        }

        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments[0] is not ("api" or "apis"))
        {
            throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({path})");
        }

        if (segments[0] == "api")
        {
            if (segments.Length == 1)
            {
                await WriteJsonAsync(context, 200, Discovery.CoreVersions(serverAddress));
                return;
            }

            await ResourceAsync(context, "", segments[1], segments[2..]);
            return;
        }

        switch (segments.Length)
        {
            case 1:
                await WriteJsonAsync(context, 200, Discovery.Groups());
                return;
            case 2:
                await WriteJsonAsync(context, 200, Discovery.Group(segments[1]) ?? throw new ApiException(404, "NotFound", $"group {segments[1]} not found"));
                return;
            default:
                await ResourceAsync(context, segments[1], segments[2], segments[3..]);
                return;
        }
    }

    private async Task ResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        if (rest.Length == 0)
        {
            await WriteJsonAsync(context, 200, Discovery.Resources(group, version) ?? throw new ApiException(404, "NotFound", $"{group}/{version} not found"));
            return;
        }

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3 && rest[2] != "status")
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var type = ResourceTypes.Find(group, version, rest[0]) ?? throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({rest[0]})");
        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? rest[2] : null;
        var method = context.Request.Method;
        if (type.Namespaced && ns is null && name is not null)
        {
            throw new ApiException(404, "NotFound", $"{type.Plural} is namespaced");
        }

        if (type.Kind == "TokenReview")
        {
            await TokenReviewAsync(context);
            return;
        }

        if (subresource == "token" && type.Kind == "ServiceAccount" && HttpMethods.IsPost(method))
        {
            await TokenRequestAsync(context, ns!, name!);
            return;
        }

        if (subresource is not null and not "status")
        {
            throw new ApiException(404, "NotFound", $"subresource {subresource} is not served");
        }

        var statusOnly = subresource == "status";
        if (statusOnly && !type.HasStatus)
        {
            throw new ApiException(404, "NotFound", $"{type.Plural} has no status subresource");
        }

        if (name is null)
        {
            if (HttpMethods.IsGet(method) && context.Request.Query["watch"] is var watch && (watch == "true" || watch == "1"))
            {
                await WatchAsync(context, type, version, ns);
            }
            else if (HttpMethods.IsGet(method))
            {
                var (items, listVersion) = store.List(type, ns);
                await WriteJsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = type.Kind + "List",
                    ["apiVersion"] = type.GroupVersion(version),
                    ["metadata"] = new JsonObject { ["resourceVersion"] = listVersion.ToString() },
                    ["items"] = new JsonArray([.. items.Select(i => (JsonNode)AsVersion(i, type, version))]),
                });
            }
            else if (HttpMethods.IsPost(method))
            {
                var body = await ReadBodyAsync(context);
                var bodyNs = ObjectStore.Metadata(body)["namespace"]?.GetValue<string>();
                if (type.Namespaced && ns is not null && bodyNs is not null && bodyNs != ns)
                {
                    throw new ApiException(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
                }

                await WriteJsonAsync(context, 201, AsVersion(store.Create(type, type.Namespaced ? ns ?? bodyNs ?? "default" : null, body), type, version));
            }
            else
            {
                throw new ApiException(405, "MethodNotAllowed", $"{method} is not allowed on a collection");
            }

            return;
        }

        var objectNs = type.Namespaced ? ns : null;
        if (HttpMethods.IsGet(method))
        {
            await WriteJsonAsync(context, 200, AsVersion(store.Get(type, objectNs, name), type, version));
        }
        else if (HttpMethods.IsPut(method))
        {
            await WriteJsonAsync(context, 200, AsVersion(store.Replace(type, objectNs, name, await ReadBodyAsync(context), statusOnly), type, version));
        }
        else if (HttpMethods.IsPatch(method))
        {
            var contentType = context.Request.ContentType ?? "";
            if (!contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
            {
                throw new ApiException(415, "UnsupportedMediaType", $"the emulator applies merge patches only, not {contentType}");
            }

            await WriteJsonAsync(context, 200, AsVersion(store.Patch(type, objectNs, name, await ReadBodyAsync(context), statusOnly), type, version));
        }
        else if (HttpMethods.IsDelete(method))
        {
            await WriteJsonAsync(context, 200, AsVersion(store.Delete(type, objectNs, name), type, version));
        }
        else
        {
            throw new ApiException(405, "MethodNotAllowed", $"{method} is not allowed");
        }
    }

    /// <summary>Streams watch events as newline-delimited JSON until the client goes, timeoutSeconds passes or the server stops.</summary>
    private async Task WatchAsync(HttpContext context, ResourceType type, string version, string? ns)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        System.Threading.Channels.Channel<WatchEvent> channel;
        try
        {
            channel = store.Watch(type, ns, query["resourceVersion"]);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            // As kube-apiserver does: the watch itself succeeds and its first event is the 410 error.
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = StatusObject(e.Code, e.Reason, e.Message) });
            return;
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutSource.CancelAfter(timeout);
        var lifetime = context.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        using var stopping = lifetime.ApplicationStopping.Register(timeoutSource.Cancel);
        try
        {
            await context.Response.Body.FlushAsync(timeoutSource.Token);
            while (!timeoutSource.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token);
                tick.CancelAfter(BookmarkInterval);
                WatchEvent next;
                try
                {
                    next = await channel.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!timeoutSource.IsCancellationRequested)
                {
                    if (bookmarks)
                    {
                        await WriteLineAsync(context, new JsonObject
                        {
                            ["type"] = "BOOKMARK",
                            ["object"] = new JsonObject
                            {
                                ["kind"] = type.Kind,
                                ["apiVersion"] = type.GroupVersion(version),
                                ["metadata"] = new JsonObject { ["resourceVersion"] = store.Version.ToString() },
                            },
                        });
                    }

                    continue;
                }

                await WriteLineAsync(context, new JsonObject { ["type"] = next.EventType, ["object"] = AsVersion(next.Object, type, version) });
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            store.StopWatch(channel);
        }
    }

    private async Task TokenReviewAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        var subject = tokens.Authenticate(body["spec"]?["token"]?.GetValue<string>());
        var wanted = body["spec"]?["audiences"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [];
        if (subject?.PodName is not null && !PodStillExists(subject))
        {
            subject = null; // a bound token dies with its pod
        }

        if (subject is not null && wanted.Length > 0 && subject.Audiences.Length > 0 && !wanted.Intersect(subject.Audiences).Any())
        {
            subject = null;
        }

        var status = new JsonObject { ["authenticated"] = subject is not null };
        if (subject is not null)
        {
            var extra = new JsonObject();
            if (subject.PodName is not null)
            {
                extra["authentication.kubernetes.io/pod-name"] = new JsonArray(subject.PodName);
                extra["authentication.kubernetes.io/pod-uid"] = new JsonArray(subject.PodUid);
            }

            if (subject.NodeName is not null)
            {
                extra["authentication.kubernetes.io/node-name"] = new JsonArray(subject.NodeName);
            }

            status["user"] = new JsonObject
            {
                ["username"] = subject.Username,
                ["groups"] = subject.ServiceAccount is null
                    ? new JsonArray("system:masters", "system:authenticated")
                    : new JsonArray("system:serviceaccounts", $"system:serviceaccounts:{subject.Namespace}", "system:authenticated"),
                ["extra"] = extra,
            };
            status["audiences"] = new JsonArray([.. (wanted.Length > 0 ? wanted : subject.Audiences).Select(a => (JsonNode)a)]);
        }
        else
        {
            status["error"] = "invalid bearer token";
        }

        body["status"] = status;
        body["apiVersion"] = "authentication.k8s.io/v1";
        body["kind"] = "TokenReview";
        await WriteJsonAsync(context, 201, body);
    }

    private bool PodStillExists(TokenSubject subject)
    {
        var pod = ResourceTypes.Find("", "v1", "pods")!;
        try
        {
            return store.Get(pod, subject.Namespace, subject.PodName!)["metadata"]?["uid"]?.GetValue<string>() == subject.PodUid;
        }
        catch (ApiException)
        {
            return false;
        }
    }

    private async Task TokenRequestAsync(HttpContext context, string ns, string serviceAccount)
    {
        store.Get(ResourceTypes.Find("", "v1", "serviceaccounts")!, ns, serviceAccount);
        var body = await ReadBodyAsync(context);
        var spec = body["spec"] as JsonObject ?? [];
        JsonObject? boundPod = null;
        if (spec["boundObjectRef"] is JsonObject bound && bound["kind"]?.GetValue<string>() == "Pod")
        {
            boundPod = store.Get(ResourceTypes.Find("", "v1", "pods")!, ns, bound["name"]!.GetValue<string>());
        }

        var audiences = spec["audiences"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [];
        var expires = DateTimeOffset.UtcNow.AddSeconds(spec["expirationSeconds"]?.GetValue<long>() ?? 3600);
        body["apiVersion"] = "authentication.k8s.io/v1";
        body["kind"] = "TokenRequest";
        body["status"] = new JsonObject
        {
            ["token"] = tokens.Issue(ns, serviceAccount, boundPod, audiences),
            ["expirationTimestamp"] = expires.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        await WriteJsonAsync(context, 201, body);
    }

    private static JsonObject AsVersion(JsonObject obj, ResourceType type, string version)
    {
        // One storage version per type; every served version has the same schema here, so conversion only relabels.
        obj["apiVersion"] = type.GroupVersion(version);
        obj["kind"] = type.Kind;
        return obj;
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return JsonNode.Parse(text) as JsonObject ?? throw new ApiException(400, "BadRequest", "expected a JSON object");
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject node)
    {
        await context.Response.WriteAsync(ObjectStore.Serialize(node) + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject node)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(ObjectStore.Serialize(node), context.RequestAborted);
    }

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        return WriteJsonAsync(context, code, StatusObject(code, reason, message));
    }

    private static JsonObject StatusObject(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}
