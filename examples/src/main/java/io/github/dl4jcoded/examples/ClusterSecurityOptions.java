package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.cluster.grpc.SharedToken;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How the {@code server} and {@code worker} commands find the shared token: never from the command line itself. */
public final class ClusterSecurityOptions {
    static final String DEFAULT_TOKEN_ENV = "DL4J_CODED_TOKEN";

    @Option(names = "--token-file", description = "file whose first line is the shared token (e.g. from `openssl rand -hex 32`)")
    Path tokenFile;

    @Option(names = "--token-env", description = "environment variable holding the shared token (default: " + DEFAULT_TOKEN_ENV + ")")
    String tokenEnv;

    @Option(names = "--insecure-plaintext", description = "no TLS, loopback only (tests on one machine); the token is still required")
    boolean insecurePlaintext;

    SharedToken token() {
        if (tokenFile != null && tokenEnv != null) {
            throw new IllegalArgumentException("give the token by --token-file or by --token-env, not both");
        }
        if (tokenFile != null) {
            return SharedToken.fromFile(tokenFile);
        }
        String env = tokenEnv != null ? tokenEnv : DEFAULT_TOKEN_ENV;
        if (System.getenv(env) == null) {
            throw new IllegalArgumentException("no shared token: use --token-file FILE or set " + env);
        }
        return SharedToken.fromEnv(env);
    }
}
