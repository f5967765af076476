using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Envoy.Core;
using Skein.Core.Protos.Skein;
using Skein.Core.Telemetry;

namespace Skein.Proxy.Telemetry;

/// <summary>Turns access log records into Envoy ALS entries: TCP entries for connections, HTTP entries for requests.</summary>
/// <remarks>
/// One instance per stream, used by one thread at a time. Skein's details travel as a typed
/// <see cref="AccessLogDetails"/> in <c>filter_state_objects["skein"]</c>. Entries are only ever serialized,
/// never kept, so the instance reuses them: after <see cref="Reset"/> the next batch refills the entries of the
/// last one (the generated messages allocate a dictionary and list per map field on construction, which made
/// building an entry cost more than writing it), and the parts that repeat across records (addresses, TLS
/// properties, flags) are built once and shared between entries.
/// </remarks>
public sealed class AlsEntries
{
    private const string DetailsTypeUrl = "type.googleapis.com/skein.v1alpha1.AccessLogDetails";

    // Bounded: addresses include client ports, so a busy gateway sees many; the cache only has to catch repeats.
    private const int MaxCached = 4096;

    private readonly Dictionary<string, Address?> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? Local, string? Peer), TLSProperties> _tls = [];
    private readonly Dictionary<string, ResponseFlags?> _flags = new(StringComparer.Ordinal);
    private readonly List<TCPAccessLogEntry> _tcp = [];
    private readonly List<HTTPAccessLogEntry> _http = [];
    private readonly AccessLogDetails _details = new();
    private int _tcpUsed;
    private int _httpUsed;

    /// <summary>Starts a new batch: the entries handed out since the last reset are refilled from here on.</summary>
    public void Reset() => (_tcpUsed, _httpUsed) = (0, 0);

    public TCPAccessLogEntry Tcp(AccessLogRecord r)
    {
        if (_tcpUsed == _tcp.Count)
        {
            _tcp.Add(new TCPAccessLogEntry { CommonProperties = new AccessLogCommon(), ConnectionProperties = new ConnectionProperties() });
        }

        var entry = _tcp[_tcpUsed++];
        Common(entry.CommonProperties, r);
        entry.ConnectionProperties.ReceivedBytes = (ulong)Math.Max(0, r.BytesReceived);
        entry.ConnectionProperties.SentBytes = (ulong)Math.Max(0, r.BytesSent);
        return entry;
    }

    public HTTPAccessLogEntry Http(AccessLogRecord r)
    {
        if (_httpUsed == _http.Count)
        {
            _http.Add(new HTTPAccessLogEntry { CommonProperties = new AccessLogCommon(), Request = new HTTPRequestProperties(), Response = new HTTPResponseProperties() });
        }

        var entry = _http[_httpUsed++];
        Common(entry.CommonProperties, r);
        entry.ProtocolVersion = r.Protocol switch
        {
            "HTTP/1.0" => HTTPAccessLogEntry.Types.HTTPVersion.Http10,
            "HTTP/1.1" => HTTPAccessLogEntry.Types.HTTPVersion.Http11,
            "HTTP/2" => HTTPAccessLogEntry.Types.HTTPVersion.Http2,
            "HTTP/3" => HTTPAccessLogEntry.Types.HTTPVersion.Http3,
            _ => HTTPAccessLogEntry.Types.HTTPVersion.ProtocolUnspecified,
        };
        var request = entry.Request;
        request.RequestMethod = Method(r.Method);
        request.Authority = r.Authority ?? "";
        request.Path = r.Path ?? "";
        request.UserAgent = r.UserAgent ?? "";
        request.RequestId = r.RequestId ?? "";
        request.RequestBodyBytes = (ulong)Math.Max(0, r.BytesReceived);
        var response = entry.Response;
        response.ResponseBodyBytes = (ulong)Math.Max(0, r.BytesSent);
        response.ResponseCodeDetails = r.Details == "-" ? "" : r.Details;
        response.ResponseCode = r.ResponseCode > 0 ? (uint)r.ResponseCode : null;
        return entry;
    }

    private void Common(AccessLogCommon common, AccessLogRecord r)
    {
        common.SampleRate = r.SampleRate;
        var start = r.Start.UtcTicks - DateTime.UnixEpoch.Ticks;
        common.StartTime ??= new Timestamp();
        common.StartTime.Seconds = start / TimeSpan.TicksPerSecond;
        common.StartTime.Nanos = (int)(start % TimeSpan.TicksPerSecond * 100);
        common.Duration ??= new Google.Protobuf.WellKnownTypes.Duration();
        common.Duration.Seconds = r.Duration.Ticks / TimeSpan.TicksPerSecond;
        common.Duration.Nanos = (int)(r.Duration.Ticks % TimeSpan.TicksPerSecond * 100);
        common.DownstreamRemoteAddress = Address(r.SourceAddress);
        common.UpstreamRemoteAddress = Address(r.UpstreamHost);
        common.UpstreamCluster = r.UpstreamCluster ?? "";
        common.RouteName = r.RouteName ?? "";
        common.ResponseFlags = Flags(r.ResponseFlags);
        common.UpstreamRequestAttemptCount = r.IsHttp ? (uint)(r.RetryCount + 1) : 0;
        common.ConnectionTerminationDetails = !r.IsHttp && r.Details != "-" ? r.Details : "";
        // Envoy's view is the local proxy's: the peer certificate is the other side of the hop.
        common.TlsProperties = r.Security != "mutual_tls" ? null
            : r.Direction == "inbound" ? Tls(r.DestinationPrincipal, r.SourcePrincipal) : Tls(r.SourcePrincipal, r.DestinationPrincipal);

        // Only what the entry does not already say (see accesslog.proto): smaller to write and to read.
        var details = _details;
        details.Direction = r.Direction;
        details.ConnectionId = r.IsHttp && r.ConnectionId == r.RequestId ? "" : r.ConnectionId;
        details.SourceWorkload = r.SourceWorkload ?? "";
        details.SourceNamespace = r.SourceNamespace ?? "";
        details.SourcePrincipal = common.TlsProperties is null ? r.SourcePrincipal ?? "" : "";
        details.DestinationWorkload = r.DestinationWorkload ?? "";
        details.DestinationNamespace = r.DestinationNamespace ?? "";
        details.DestinationPrincipal = common.TlsProperties is null ? r.DestinationPrincipal ?? "" : "";
        details.DestinationService = r.DestinationService ?? "";
        details.ConnectionSecurityPolicy = r.Security;
        details.FailedHop = r.FailedHop ?? "";
        details.Policy = r.Policy ?? "";
        details.Requested = r.Requested ?? "";
        if (!common.FilterStateObjects.TryGetValue(SkeinLogMetadata.Namespace, out var any))
        {
            // Any.Pack would build the type URL string per record; the URL is a constant.
            common.FilterStateObjects[SkeinLogMetadata.Namespace] = any = new Any { TypeUrl = DetailsTypeUrl };
        }

        any.Value = details.ToByteString();
    }

    private static RequestMethod Method(string? method) => method switch
    {
        "GET" => RequestMethod.Get,
        "POST" => RequestMethod.Post,
        "PUT" => RequestMethod.Put,
        "DELETE" => RequestMethod.Delete,
        "HEAD" => RequestMethod.Head,
        "PATCH" => RequestMethod.Patch,
        "OPTIONS" => RequestMethod.Options,
        _ => System.Enum.TryParse<RequestMethod>(method, ignoreCase: true, out var m) ? m : RequestMethod.MethodUnspecified,
    };

    private ResponseFlags? Flags(string codes)
    {
        if (codes == "-")
        {
            return null;
        }

        return Cached(_flags, codes, ResponseFlagCodes.ToProto);
    }

    private TLSProperties Tls(string? local, string? peer)
    {
        if (_tls.TryGetValue((local, peer), out var tls))
        {
            return tls;
        }

        if (_tls.Count >= MaxCached)
        {
            _tls.Clear();
        }

        tls = new TLSProperties
        {
            TlsVersion = TLSProperties.Types.TLSVersion.Tlsv13,
            LocalCertificateProperties = Certificate(local),
            PeerCertificateProperties = Certificate(peer),
        };
        _tls[(local, peer)] = tls;
        return tls;
    }

    private static TLSProperties.Types.CertificateProperties? Certificate(string? uri)
    {
        if (uri is null)
        {
            return null;
        }

        var properties = new TLSProperties.Types.CertificateProperties();
        properties.SubjectAltName.Add(new TLSProperties.Types.CertificateProperties.Types.SubjectAltName { Uri = uri });
        return properties;
    }

    private Address? Address(string? endpoint) => endpoint is null ? null : Cached(_addresses, endpoint, static e =>
        IPEndPoint.TryParse(e, out var ep)
            ? new Address { SocketAddress = new Skein.Core.Protos.Envoy.Core.SocketAddress { Address = ep.Address.ToString(), PortValue = (uint)ep.Port } }
            : null);

    private static T Cached<T>(Dictionary<string, T> cache, string key, Func<string, T> create)
    {
        if (cache.TryGetValue(key, out var value))
        {
            return value;
        }

        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        value = create(key);
        cache[key] = value;
        return value;
    }
}
