package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.training.GradientCodec;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS with a self-signed certificate made here, and the shared token on every call. */
@Timeout(60)
class GrpcSecurityTest {
    private static final SharedToken TOKEN = SharedToken.of("s3cret-token-for-tests-0123456789");
    private final MultiLayerNetwork net = Fixtures.net();
    private final GradientCodec codec = Fixtures.codec(net, Fixtures.CODED);
    private final FakeCore core = new FakeCore(codec, (int) net.numParams(), 4);

    @TempDir
    Path dir;

    private GrpcClusterServer tlsServer(TestCerts certs) throws Exception {
        return GrpcClusterServer.builder(core).host("127.0.0.1")
                .security(TransportSecurity.serverTls(certs.cert(), certs.key())).token(TOKEN).start();
    }

    private static RawClient tlsClient(int port, Path trusted, SharedToken token) throws Exception {
        return new RawClient(port, token, TlsChannelCredentials.newBuilder().trustManager(trusted.toFile()).build(), 1 << 20);
    }

    @Test
    void aWorkerWithTheTokenOverTlsIsWelcomed() throws Exception {
        TestCerts certs = TestCerts.create(dir, "server");
        try (GrpcClusterServer server = tlsServer(certs);
             GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", server.port()).name("tls")
                     .security(TransportSecurity.clientTls(certs.cert())).token(TOKEN)
                     .replicas(welcome -> new FakeReplica(welcome, net, codec)).build()) {
            Thread t = new Thread(() -> {
                try {
                    w.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            GrpcTransportTest.await(() -> core.joined.size() == 1, "a join over TLS");
            core.send(0, new io.github.dl4jcoded.cluster.Finished(0));
            t.join(20_000);
            assertFalse(t.isAlive());
            assertEquals(0, core.rejected(RejectReason.UNAUTHENTICATED));
        }
    }

    @Test
    void callsWithoutATokenOrWithAWrongOneAreUnauthenticatedAndCounted() throws Exception {
        TestCerts certs = TestCerts.create(dir, "server");
        try (GrpcClusterServer server = tlsServer(certs)) {
            try (RawClient none = tlsClient(server.port(), certs.cert(), null)) {
                none.send(ProtoMessages.hello("anon").toByteArray());
                assertEquals(Status.Code.UNAUTHENTICATED, none.awaitError().getCode());
            }
            try (RawClient wrong = tlsClient(server.port(), certs.cert(), SharedToken.of("s3cret-token-for-tests-0123456788"))) {
                wrong.send(ProtoMessages.hello("mallory").toByteArray());
                assertEquals(Status.Code.UNAUTHENTICATED, wrong.awaitError().getCode());
            }
            assertEquals(2, core.rejected(RejectReason.UNAUTHENTICATED));
            assertEquals(2, server.stats().refusedCalls());
            assertTrue(core.joined.isEmpty(), "nobody joined");
            try (RawClient right = tlsClient(server.port(), certs.cert(), TOKEN)) {
                right.send(ProtoMessages.hello("ok").toByteArray());
                assertTrue(((Down) right.next()).hasWelcome());
            }
        }
    }

    @Test
    void theWorkerStopsAtOnceWhenItsTokenIsRefused() throws Exception {
        TestCerts certs = TestCerts.create(dir, "server");
        try (GrpcClusterServer server = tlsServer(certs);
             GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", server.port()).name("wrong")
                     .security(TransportSecurity.clientTls(certs.cert())).token(SharedToken.of("not-the-token-0123456789"))
                     .maxReconnect(Duration.ofMinutes(5))
                     .replicas(welcome -> new FakeReplica(welcome, net, codec)).build()) {
            GrpcClusterWorker.WorkerFailedException e = assertThrows(GrpcClusterWorker.WorkerFailedException.class, w::run);
            assertTrue(e.getMessage().contains("UNAUTHENTICATED"), e.getMessage());
        }
    }

    @Test
    void aClientThatTrustsAnotherCertificateCannotConnect() throws Exception {
        TestCerts certs = TestCerts.create(dir, "server");
        TestCerts other = TestCerts.create(dir, "other");
        try (GrpcClusterServer server = tlsServer(certs);
             RawClient c = tlsClient(server.port(), other.cert(), TOKEN)) {
            c.send(ProtoMessages.hello("mitm").toByteArray());
            assertEquals(Status.Code.UNAVAILABLE, c.awaitError().getCode());
            assertTrue(core.joined.isEmpty());
        }
    }

    @Test
    void aPlaintextClientCannotTalkToATlsServer() throws Exception {
        TestCerts certs = TestCerts.create(dir, "server");
        try (GrpcClusterServer server = tlsServer(certs); RawClient c = new RawClient(server.port(), TOKEN)) {
            c.send(ProtoMessages.hello("plain").toByteArray());
            assertEquals(Status.Code.UNAVAILABLE, c.awaitError().getCode());
            assertTrue(core.joined.isEmpty());
        }
    }

    @Test
    void plaintextIsLoopbackOnlyAndTheTokenIsAlwaysRequired() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> GrpcClusterWorker.builder("10.1.2.3", 1)
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN)
                .replicas(w -> null).build());
        assertThrows(NullPointerException.class, () -> GrpcClusterServer.builder(core)
                .security(TransportSecurity.insecurePlaintextLoopback()).start());
        try (GrpcClusterServer s = GrpcClusterServer.builder(core).host("0.0.0.0")
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN).start()) {
            assertTrue(s.address().getAddress().isLoopbackAddress(), "plaintext binds loopback whatever host is asked for");
        }
    }

    @Test
    void tokensComeFromFilesOrTheEnvironmentAndMustBeLong() throws Exception {
        Path f = dir.resolve("token");
        Files.writeString(f, "  abcdefghijklmnopqrstuvwxyz  \nsecond line ignored\n");
        assertTrue(SharedToken.fromFile(f).matches("Bearer abcdefghijklmnopqrstuvwxyz"));
        assertFalse(SharedToken.fromFile(f).matches("Bearer abcdefghijklmnopqrstuvwxy"));
        assertFalse(SharedToken.fromFile(f).matches("abcdefghijklmnopqrstuvwxyz"));
        assertFalse(SharedToken.fromFile(f).matches(null));
        assertThrows(IllegalArgumentException.class, () -> SharedToken.of("short"));
        assertThrows(IllegalArgumentException.class, () -> SharedToken.of("has a space in the middle of it"));
        assertThrows(IllegalArgumentException.class, () -> SharedToken.fromFile(dir.resolve("missing")));
        assertThrows(IllegalArgumentException.class, () -> SharedToken.fromEnv("DL4J_CODED_SURELY_UNSET_VARIABLE"));
        assertFalse(SharedToken.of("abcdefghijklmnopqrstuvwxyz").toString().contains("abc"), "toString never shows the token");
    }
}
