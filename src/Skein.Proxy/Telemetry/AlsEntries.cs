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
/// <see cref="AccessLogDetails"/> in <c>filter_state_objects["skein"]</c>, and the parts that repeat across
/// records (addresses, TLS properties, flags) are built once and shared: entries are only ever serialized,
/// never changed after they are built, so sharing a sub-message between entries is safe.
/// </remarks>
public sealed class AlsEntries
{
    private const string DetailsTypeUrl = "type.googleapis.com/skein.v1alpha1.AccessLogDetails";

    // Bounded: addresses include client ports, so a busy gateway sees many; the cache only has to catch repeats.
    private const int MaxCached = 4096;

    private readonly Dictionary<string, Address?> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? Local, string? Peer), TLSProperties> _tls = [];
    private readonly Dictionary<string, ResponseFlags?> _flags = new(StringComparer.Ordinal);

    public TCPAccessLogEntry Tcp(AccessLogRecord r) => new()
    {
        CommonProperties = Common(r),
        ConnectionProperties = new ConnectionProperties { ReceivedBytes = (ulong)Math.Max(0, r.BytesReceived), SentBytes = (ulong)Math.Max(0, r.BytesSent) },
    };

    public HTTPAccessLogEntry Http(AccessLogRecord r)
    {
        var entry = new HTTPAccessLogEntry
        {
            CommonProperties = Common(r),
            ProtocolVersion = r.Protocol switch
            {
                "HTTP/1.0" => HTTPAccessLogEntry.Types.HTTPVersion.Http10,
                "HTTP/1.1" => HTTPAccessLogEntry.Types.HTTPVersion.Http11,
                "HTTP/2" => HTTPAccessLogEntry.Types.HTTPVersion.Http2,
                "HTTP/3" => HTTPAccessLogEntry.Types.HTTPVersion.Http3,
                _ => HTTPAccessLogEntry.Types.HTTPVersion.ProtocolUnspecified,
            },
            Request = new HTTPRequestProperties
            {
                RequestMethod = Method(r.Method),
                Authority = r.Authority ?? "",
                Path = r.Path ?? "",
                UserAgent = r.UserAgent ?? "",
                RequestId = r.RequestId ?? "",
                RequestBodyBytes = (ulong)Math.Max(0, r.BytesReceived),
            },
            Response = new HTTPResponseProperties
            {
                ResponseBodyBytes = (ulong)Math.Max(0, r.BytesSent),
                ResponseCodeDetails = r.Details == "-" ? "" : r.Details,
            },
        };
        if (r.ResponseCode > 0)
        {
            entry.Response.ResponseCode = (uint)r.ResponseCode;
        }

        return entry;
    }

    private AccessLogCommon Common(AccessLogRecord r)
    {
        var common = new AccessLogCommon
        {
            SampleRate = r.SampleRate,
            StartTime = Timestamp.FromDateTimeOffset(r.Start),
            Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(r.Duration),
            DownstreamRemoteAddress = Address(r.SourceAddress),
            UpstreamRemoteAddress = Address(r.UpstreamHost),
            UpstreamCluster = r.UpstreamCluster ?? "",
            RouteName = r.RouteName ?? "",
            ResponseFlags = Flags(r.ResponseFlags),
            UpstreamRequestAttemptCount = r.IsHttp ? (uint)(r.RetryCount + 1) : 0,
            ConnectionTerminationDetails = !r.IsHttp && r.Details != "-" ? r.Details : "",
        };
        if (r.Security == "mutual_tls")
        {
            // Envoy's view is the local proxy's: the peer certificate is the other side of the hop.
            common.TlsProperties = r.Direction == "inbound" ? Tls(r.DestinationPrincipal, r.SourcePrincipal) : Tls(r.SourcePrincipal, r.DestinationPrincipal);
        }

        var details = new AccessLogDetails
        {
            Direction = r.Direction,
            Node = r.Node,
            ConnectionId = r.ConnectionId,
            SourceWorkload = r.SourceWorkload ?? "",
            SourceNamespace = r.SourceNamespace ?? "",
            SourcePrincipal = r.SourcePrincipal ?? "",
            DestinationWorkload = r.DestinationWorkload ?? "",
            DestinationNamespace = r.DestinationNamespace ?? "",
            DestinationPrincipal = r.DestinationPrincipal ?? "",
            DestinationService = r.DestinationService ?? "",
            ConnectionSecurityPolicy = r.Security,
            ResponseCodeDetails = r.Details == "-" ? "" : r.Details,
            FailedHop = r.FailedHop ?? "",
            Policy = r.Policy ?? "",
            Requested = r.Requested ?? "",
        };
        // Any.Pack would build the type URL string per record; the URL is a constant.
        common.FilterStateObjects[SkeinLogMetadata.Namespace] = new Any { TypeUrl = DetailsTypeUrl, Value = details.ToByteString() };
        return common;
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
