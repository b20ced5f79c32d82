package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.grpc.proto.ClusterGrpc;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client that can send any bytes on the session method: what a broken or hostile peer does. */
final class RawClient implements AutoCloseable {
    static final Object COMPLETED = new Object();
    final ManagedChannel channel;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final StreamObserver<byte[]> requests;

    RawClient(int port, SharedToken token) {
        this(port, token, InsecureChannelCredentials.create(), 64 << 20);
    }

    RawClient(int port, SharedToken token, ChannelCredentials creds, int maxOutbound) {
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, creds).maxInboundMessageSize(64 << 20).build();
        MethodDescriptor<byte[], Down> method = ClusterGrpc.getSessionMethod()
                .toBuilder(GrpcClusterServer.RawBytes.INSTANCE, ProtoUtils.marshaller(Down.getDefaultInstance())).build();
        CallOptions options = CallOptions.DEFAULT;
        if (token != null) {
            options = options.withCallCredentials(token.callCredentials());
        }
        ClientCall<byte[], Down> call = channel.newCall(method, options);
        requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            @Override
            public void onNext(Down value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {
                received.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                received.add(COMPLETED);
            }
        });
    }

    void send(byte[] bytes) {
        requests.onNext(bytes);
    }

    Object next() throws InterruptedException {
        Object o = received.poll(20, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("nothing received in 20 s");
        }
        return o;
    }

    /** Waits for the stream to end with an error status. */
    Status awaitError() throws InterruptedException {
        while (true) {
            Object o = next();
            if (o instanceof Status s) {
                return s;
            }
            if (o == COMPLETED) {
                throw new AssertionError("the stream completed without an error");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
