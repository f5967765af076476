using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Skein.KubeApi.Emulator;

/// <summary>A change delivered to watchers: ADDED, MODIFIED or DELETED with the object after the change.</summary>
public sealed record WatchEvent(long ResourceVersion, ResourceType Type, string EventType, JsonObject Object);

/// <summary>Thrown for requests the API answers with a Status error (404, 409, 410, 422…).</summary>
public sealed class ApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;
}

/// <summary>Objects by type, namespace and name with one global resourceVersion counter, an event history for watch resumption and an optional file to survive restarts.</summary>
/// <remarks>
/// Like etcd, the history is finite: a watch that asks for a resourceVersion older than the oldest kept
/// event gets 410 Gone and must relist. A restart keeps the objects but not the history, and counts as a compaction.
/// </remarks>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly List<(Channel<WatchEvent> Channel, ResourceType Type, string? Namespace)> _watchers = [];
    private readonly string? _dataFile;
    private readonly int _historyLimit;
    private long _version;
    private long _oldestWatchable;

    public ObjectStore(string? dataFile, int historyLimit)
    {
        _dataFile = dataFile;
        _historyLimit = historyLimit;
        if (dataFile is not null && File.Exists(dataFile))
        {
            var saved = JsonNode.Parse(File.ReadAllText(dataFile))!.AsObject();
            _version = long.Parse(saved["resourceVersion"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (key, value) in saved["objects"]!.AsObject())
            {
                _objects[key] = value!.DeepClone().AsObject();
            }
        }

        // A restart loses the history and moves past every version handed out before it (like a compaction):
        // clients resuming a watch from an older resourceVersion get 410 Gone and must list again.
        if (_objects.Count > 0)
        {
            _version++;
        }

        _oldestWatchable = _version;
    }

    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public (List<JsonObject> Items, long Version) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            var prefix = Prefix(type, ns);
            var items = _objects.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => p.Value.DeepClone().AsObject())
                .ToList();
            return (items, _version);
        }
    }

    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(type, ns, name), out var found)
                ? found.DeepClone().AsObject()
                : throw NotFound(type, name);
        }
    }

    public JsonObject Create(ResourceType type, string? ns, JsonObject body)
    {
        lock (_gate)
        {
            var meta = Metadata(body);
            var name = meta["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                throw new ApiException(422, "Invalid", $"{type.Kind} is invalid: metadata.name: Required value");
            }

            var key = Key(type, ns, name);
            if (_objects.ContainsKey(key))
            {
                throw new ApiException(409, "AlreadyExists", $"{type.Plural} \"{name}\" already exists");
            }

            if (type.HasStatus)
            {
                body.Remove("status"); // status is written through the status subresource only
            }

            if (ns is not null)
            {
                meta["namespace"] = ns;
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
            meta["generation"] = 1L;
            return Commit(type, key, "ADDED", body);
        }
    }

    /// <summary>Replaces an object (PUT) or its status; <paramref name="statusOnly"/> keeps everything but status.</summary>
    public JsonObject Replace(ResourceType type, string? ns, string name, JsonObject body, bool statusOnly)
    {
        lock (_gate)
        {
            var key = Key(type, ns, name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw NotFound(type, name);
            }

            var requested = Metadata(body)["resourceVersion"]?.GetValue<string>();
            var currentVersion = Metadata(current)["resourceVersion"]!.GetValue<string>();
            if (!string.IsNullOrEmpty(requested) && requested != currentVersion)
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on {type.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
            }

            return Update(type, key, current, body, statusOnly);
        }
    }

    /// <summary>Applies a JSON merge patch (RFC 7386) to an object or its status.</summary>
    public JsonObject Patch(ResourceType type, string? ns, string name, JsonObject patch, bool statusOnly)
    {
        lock (_gate)
        {
            var key = Key(type, ns, name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw NotFound(type, name);
            }

            var merged = MergePatch.Apply(current.DeepClone(), patch)!.AsObject();
            return Update(type, key, current, merged, statusOnly);
        }
    }

    public JsonObject Delete(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            var key = Key(type, ns, name);
            if (!_objects.Remove(key, out var current))
            {
                throw NotFound(type, name);
            }

            var gone = current.DeepClone().AsObject();
            _version++;
            Metadata(gone)["resourceVersion"] = _version.ToString();
            Record(new WatchEvent(_version, type, "DELETED", gone));
            Save();
            return gone.DeepClone().AsObject();
        }
    }

    /// <summary>Drops the event history (like an etcd compaction): watches from older versions get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _oldestWatchable = _version;
        }
    }

    /// <summary>Starts a watch from <paramref name="fromVersion"/> (exclusive); null or "0" starts with ADDED events for every current object.</summary>
    public Channel<WatchEvent> Watch(ResourceType type, string? ns, string? fromVersion)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (string.IsNullOrEmpty(fromVersion) || fromVersion == "0")
            {
                foreach (var item in List(type, ns).Items)
                {
                    channel.Writer.TryWrite(new WatchEvent(_version, type, "ADDED", item));
                }
            }
            else
            {
                if (!long.TryParse(fromVersion, out var from) || from < _oldestWatchable)
                {
                    throw new ApiException(410, "Expired", $"too old resource version: {fromVersion} ({_oldestWatchable})");
                }

                foreach (var e in _history.Where(e => e.ResourceVersion > from && Matches(e, type, ns)))
                {
                    channel.Writer.TryWrite(e with { Object = e.Object.DeepClone().AsObject() });
                }
            }

            _watchers.Add((channel, type, ns));
        }

        return channel;
    }

    public void StopWatch(Channel<WatchEvent> channel)
    {
        lock (_gate)
        {
            _watchers.RemoveAll(w => w.Channel == channel);
        }
    }

    public static bool Matches(WatchEvent e, ResourceType type, string? ns) =>
        e.Type == type && (ns is null || Metadata(e.Object)["namespace"]?.GetValue<string>() == ns);

    private JsonObject Update(ResourceType type, string key, JsonObject current, JsonObject body, bool statusOnly)
    {
        JsonObject next;
        if (statusOnly)
        {
            next = current.DeepClone().AsObject();
            next["status"] = body["status"]?.DeepClone();
        }
        else
        {
            next = body;
            var meta = Metadata(next);
            var old = Metadata(current);
            foreach (var kept in new[] { "uid", "creationTimestamp", "namespace", "name", "generation" })
            {
                meta[kept] = old[kept]?.DeepClone();
            }

            if (type.HasStatus)
            {
                next["status"] = current["status"]?.DeepClone();
            }

            if (!JsonNode.DeepEquals(Desired(current), Desired(next)))
            {
                meta["generation"] = long.Parse(old["generation"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) + 1;
            }
        }

        if (next["status"] is null)
        {
            next.Remove("status");
        }

        return Commit(type, key, "MODIFIED", next);
    }

    private JsonObject Commit(ResourceType type, string key, string eventType, JsonObject obj)
    {
        _version++;
        var version = type.Versions[0];
        obj["apiVersion"] ??= type.GroupVersion(version);
        obj["kind"] = type.Kind;
        Metadata(obj)["resourceVersion"] = _version.ToString();
        _objects[key] = obj;
        Record(new WatchEvent(_version, type, eventType, obj.DeepClone().AsObject()));
        Save();
        return obj.DeepClone().AsObject();
    }

    private void Record(WatchEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > _historyLimit)
        {
            _oldestWatchable = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var watcher in _watchers.Where(w => Matches(e, w.Type, w.Namespace)))
        {
            watcher.Channel.Writer.TryWrite(e with { Object = e.Object.DeepClone().AsObject() });
        }
    }

    private void Save()
    {
        if (_dataFile is null)
        {
            return;
        }

        var objects = new JsonObject();
        foreach (var (key, value) in _objects)
        {
            objects[key] = value.DeepClone();
        }

        var saved = new JsonObject { ["resourceVersion"] = _version, ["objects"] = objects };
        var temp = _dataFile + ".tmp";
        File.WriteAllText(temp, saved.ToJsonString());
        File.Move(temp, _dataFile, overwrite: true);
    }

    private static JsonObject Desired(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        copy.Remove("apiVersion");
        return copy;
    }

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    private static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.Plural}{(type.Group.Length > 0 ? "." + type.Group : "")} \"{name}\" not found");

    private static string Prefix(ResourceType type, string? ns) => ns is null ? $"{type.Group}/{type.Plural}/" : $"{type.Group}/{type.Plural}/{ns}/";

    private static string Key(ResourceType type, string? ns, string name) => $"{type.Group}/{type.Plural}/{(type.Namespaced ? ns ?? "default" : "")}/{name}";

    internal static string Serialize(JsonNode node) => node.ToJsonString(JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
