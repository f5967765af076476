using Grpc.Core;
using Skein.Samples.Echo.Grpc.Contract;

namespace Skein.Samples.Echo.Grpc;

/// <summary>The conformance gRPC echo: Echo and EchoTwo describe the call; EchoThree stays unimplemented on purpose.</summary>
public sealed class GrpcEchoService(EchoIdentity identity) : GrpcEcho.GrpcEchoBase
{
    /// <inheritdoc />
    public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(Describe(request, context));

    /// <inheritdoc />
    public override Task<EchoResponse> EchoTwo(EchoRequest request, ServerCallContext context) => Task.FromResult(Describe(request, context));

    private EchoResponse Describe(EchoRequest request, ServerCallContext context)
    {
        var assertions = new Assertions
        {
            FullyQualifiedMethod = context.Method,
            Authority = context.Host,
            Context = new Context { Namespace = identity.Namespace, Ingress = identity.Ingress, ServiceName = identity.Service, Pod = identity.Pod },
        };
        assertions.Headers.AddRange(context.RequestHeaders.Where(h => !h.IsBinary).Select(h => new Header { Key = h.Key, Value = h.Value }));
        return new EchoResponse { Assertions = assertions, Request = request };
    }
}
