package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.cluster.grpc.GrpcClusterWorker;
import io.github.dl4jcoded.cluster.grpc.TransportSecurity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code worker}: joins a cluster server, trains on its jobs and replays its log until training is over. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join a cluster server ('server' command) as a worker.")
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--server", required = true, description = "the server, host:port")
    String server;

    @Option(names = "--trust-cert", description = "the server's certificate or its CA (PEM)")
    Path trustCert;

    @Mixin
    ClusterSecurityOptions security = new ClusterSecurityOptions();

    @Option(names = "--name", description = "a name for the server's logs (default: host name and process id)")
    String name;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Option(names = "--max-reconnect-seconds", defaultValue = "120",
            description = "give up after this long without a session (default: ${DEFAULT-VALUE})")
    long maxReconnectSeconds;

    @Override
    public Integer call() throws Exception {
        int colon = server.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("--server must be host:port, got " + server);
        }
        String host = server.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--server must be host:port, got " + server);
        }
        TransportSecurity sec;
        if (security.insecurePlaintext) {
            sec = TransportSecurity.insecurePlaintextLoopback();
        } else if (trustCert == null) {
            throw new IllegalArgumentException("TLS needs --trust-cert (the server's certificate or CA, PEM); for a test on one machine only, --insecure-plaintext");
        } else {
            sec = TransportSecurity.clientTls(trustCert);
        }
        var token = security.token();
        String me = name != null ? name : InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        ExampleSource data = dataOptions.load().train(); // as the server has it: the welcome compares the fingerprints
        try (GrpcClusterWorker worker = GrpcClusterWorker.builder(host, port).name(me).security(sec).token(token)
                .data(data).maxReconnect(Duration.ofSeconds(maxReconnectSeconds)).build()) {
            System.out.printf(Locale.ROOT, "worker %s: joining %s (%s), data %s%n", me, server, sec, data.fingerprint());
            GrpcClusterWorker.Stats st;
            try {
                st = worker.run();
            } catch (GrpcClusterWorker.WorkerFailedException e) {
                System.err.println("error: " + e.getMessage());
                return 3;
            }
            System.out.printf(Locale.ROOT, "worker %s finished: %d pushes, %d log entries replayed, %d welcomes, %d sessions; "
                            + "bytes up %,d, down %,d%n", me, st.pushes(), st.entriesReplayed(), st.welcomes(), st.sessions(),
                    st.bytesUp(), st.bytesDown());
            System.out.printf(Locale.ROOT, "worker %s steady state: %.3f ms per job answered (compute, encode, send; sd %.3f ms), "
                    + "%.3f ms per log entry (parse, replay), the second half of each%n", me, 1e3 * st.answerSeconds(),
                    1e3 * st.answerSdSeconds(), 1e3 * st.replaySeconds());
        }
        return 0;
    }
}
