package io.github.dl4jcoded.cluster.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.Consumer;

/** Refuses every call that does not carry the shared token (UNAUTHENTICATED), before any handler runs. */
final class TokenInterceptor implements ServerInterceptor {
    private static final ServerCall.Listener<Object> NOTHING = new ServerCall.Listener<>() {
    };

    private final SharedToken token;
    private final Consumer<String> onRefused;

    /** @param onRefused told (with a description of the peer) about every refused call; it logs them */
    TokenInterceptor(SharedToken token, Consumer<String> onRefused) {
        this.token = token;
        this.onRefused = onRefused;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String presented = headers.get(SharedToken.AUTHORIZATION);
        if (token.matches(presented)) {
            return next.startCall(call, headers);
        }
        String detail = (presented == null ? "no token" : "wrong token") + " from "
                + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        onRefused.accept(detail); // counted and logged (thinned) by whoever listens: the server core
        call.close(Status.UNAUTHENTICATED.withDescription("missing or wrong token"), new Metadata());
        return (ServerCall.Listener<Q>) NOTHING;
    }
}
