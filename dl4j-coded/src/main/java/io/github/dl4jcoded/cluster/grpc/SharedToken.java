package io.github.dl4jcoded.cluster.grpc;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Executor;

/**
 * The shared secret every call carries ({@code authorization: Bearer <token>} in the call's
 * metadata), read from a file or an environment variable so that it never has to appear on a
 * command line. Compared in constant time.
 */
public final class SharedToken {
    /** Shortest token accepted: guessing must not be an option. */
    public static final int MIN_LENGTH = 16;
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String PREFIX = "Bearer ";

    private final byte[] token;

    private SharedToken(String token) {
        if (token == null || token.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the shared token must hold at least " + MIN_LENGTH
                    + " characters (e.g. `openssl rand -hex 32`)");
        }
        String t = token.strip();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("the shared token must be printable ASCII without spaces");
            }
        }
        this.token = t.getBytes(StandardCharsets.US_ASCII);
    }

    public static SharedToken of(String token) {
        return new SharedToken(token);
    }

    /** The first line of {@code file} (surrounding white space removed). */
    public static SharedToken fromFile(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return new SharedToken(nl >= 0 ? s.substring(0, nl) : s);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The token in environment variable {@code name}. */
    public static SharedToken fromEnv(String name) {
        String v = System.getenv(name);
        if (v == null) {
            throw new IllegalArgumentException("environment variable " + name + " holds no token");
        }
        return new SharedToken(v);
    }

    /** True when {@code header} (the metadata value) carries this token; constant time in the token's length. */
    public boolean matches(String header) {
        if (header == null || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] presented = header.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(token, presented);
    }

    String header() {
        return PREFIX + new String(token, StandardCharsets.US_ASCII);
    }

    /** Client side: attaches the token to every call. */
    public CallCredentials callCredentials() {
        String header = header();
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                try {
                    Metadata m = new Metadata();
                    m.put(AUTHORIZATION, header);
                    applier.apply(m);
                } catch (RuntimeException e) {
                    applier.fail(Status.UNAUTHENTICATED.withDescription("cannot attach the token").withCause(e));
                }
            }
        };
    }

    @Override
    public String toString() {
        return "SharedToken[" + token.length + " characters]";
    }
}
