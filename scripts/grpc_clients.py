"""Real gRPC (grpcio) on both sides of the gateway, as the seed's example uses it.

  grpc_clients.py serve PORT
      A gRPC upstream with the standard health service (h2c). It fails any call that still
      carries an `authorization` header: the gateway must keep User tokens to itself.

  grpc_clients.py check --target HOST:PORT --ca CERT.pem --domain D --user T --developer T
      Calls Health/Check and Health/Watch through the gateway's TLS listener with
      grpc.secure_channel and grpc.access_token_call_credentials, and checks the access
      matrix. Prints "ok - ..." / "FAILED - ..." lines; exits non-zero on a failure.
"""

import argparse
import sys
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc


class RefuseForwardedTokens(grpc.ServerInterceptor):
    def intercept_service(self, continuation, details):
        if any(key == "authorization" for key, _ in details.invocation_metadata):
            def refuse(request, context):
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "authorization reached the upstream")
            return grpc.unary_unary_rpc_method_handler(refuse)
        return continuation(details)


def serve(port):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=[RefuseForwardedTokens()])
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


def check(args):
    with open(args.ca, "rb") as f:
        ca = f.read()
    failures = 0

    def channel(deployment, token=None):
        # The seed's example, with the call credentials actually attached to the channel.
        creds = grpc.ssl_channel_credentials(root_certificates=ca)
        if token is not None:
            creds = grpc.composite_channel_credentials(creds, grpc.access_token_call_credentials(token))
        host = f"{deployment}.{args.domain}"
        options = [("grpc.ssl_target_name_override", host), ("grpc.default_authority", host)]
        return grpc.secure_channel(args.target, creds, options=options)

    def expect(name, deployment, token, code, message=None):
        nonlocal failures
        with channel(deployment, token) as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
                got, detail = grpc.StatusCode.OK, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.RpcError as err:
                got, detail = err.code(), err.details()
        if got == code and (message is None or message in detail):
            print(f"ok - {name}: {got.name} ({detail})")
        else:
            failures += 1
            print(f"FAILED - {name}: expected {code.name}{f' with {message!r}' if message else ''}, got {got.name} ({detail})")

    protected, public, private = "summarize", "open", "hidden"
    expect("protected, User token", protected, args.user, grpc.StatusCode.OK, "SERVING")
    expect("protected, no token", protected, None, grpc.StatusCode.UNAUTHENTICATED, "A User token is required")
    expect("protected, bogus token", protected, "bcst_bogus", grpc.StatusCode.UNAUTHENTICATED, "invalid, expired or deleted")
    expect("protected, Developer-only token", protected, args.developer, grpc.StatusCode.PERMISSION_DENIED, "does not grant access")
    expect("public, no token", public, None, grpc.StatusCode.OK, "SERVING")
    expect("private, User token", private, args.user, grpc.StatusCode.UNIMPLEMENTED, "No deployment is served")
    expect("unknown deployment", "nothing-here", args.user, grpc.StatusCode.UNIMPLEMENTED, "No deployment is served")

    # Per-call credentials and a server-streaming call (Health/Watch) through the gateway.
    with channel(protected) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        stream = stub.Watch(
            health_pb2.HealthCheckRequest(), credentials=grpc.access_token_call_credentials(args.user), timeout=10
        )
        first = next(stream)
        stream.cancel()
        if first.status == health_pb2.HealthCheckResponse.SERVING:
            print("ok - server streaming with per-call credentials: SERVING")
        else:
            failures += 1
            print(f"FAILED - server streaming: got {first}")
    return failures


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve").add_argument("port", type=int)
    checker = commands.add_parser("check")
    for flag in ("--target", "--ca", "--domain", "--user", "--developer"):
        checker.add_argument(flag, required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port)
    else:
        sys.exit(1 if check(args) else 0)


if __name__ == "__main__":
    main()
