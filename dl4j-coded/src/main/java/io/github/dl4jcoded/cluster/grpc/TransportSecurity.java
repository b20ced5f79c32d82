package io.github.dl4jcoded.cluster.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS from PEM files (what {@code openssl} or any CA hands out), or plaintext, which must be asked
 * for by name and then binds the loopback interface only (for tests on one machine). The shared
 * token is required either way.
 */
public final class TransportSecurity {
    private final Path certChain;   // server: its certificate chain; client: unused
    private final Path privateKey;  // server: its PKCS#8 key
    private final Path trustedCerts; // client: the certificates (or CA) it trusts
    private final boolean plaintext;

    private TransportSecurity(Path certChain, Path privateKey, Path trustedCerts, boolean plaintext) {
        this.certChain = certChain;
        this.privateKey = privateKey;
        this.trustedCerts = trustedCerts;
        this.plaintext = plaintext;
    }

    /** Server: TLS with this certificate chain and PKCS#8 private key (PEM). */
    public static TransportSecurity serverTls(Path certChainPem, Path privateKeyPem) {
        requireFile(certChainPem, "certificate");
        requireFile(privateKeyPem, "private key");
        return new TransportSecurity(certChainPem, privateKeyPem, null, false);
    }

    /** Client: TLS, trusting the certificates in this PEM file (the server's own, or its CA). */
    public static TransportSecurity clientTls(Path trustedCertsPem) {
        requireFile(trustedCertsPem, "trusted certificate");
        return new TransportSecurity(null, null, trustedCertsPem, false);
    }

    /** No encryption: loopback only, for tests. */
    public static TransportSecurity insecurePlaintextLoopback() {
        return new TransportSecurity(null, null, null, true);
    }

    public boolean plaintext() {
        return plaintext;
    }

    ServerCredentials serverCredentials() {
        if (plaintext) {
            return InsecureServerCredentials.create();
        }
        if (certChain == null) {
            throw new IllegalStateException("client TLS settings given to a server: it needs its certificate and key");
        }
        try {
            return TlsServerCredentials.create(certChain.toFile(), privateKey.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate " + certChain + " or key " + privateKey
                    + ": " + e.getMessage(), e);
        }
    }

    ChannelCredentials channelCredentials() {
        if (plaintext) {
            return InsecureChannelCredentials.create();
        }
        if (trustedCerts == null) {
            throw new IllegalStateException("server TLS settings given to a client: it needs the certificates it trusts");
        }
        try {
            return TlsChannelCredentials.newBuilder().trustManager(trustedCerts.toFile()).build();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the trusted certificates " + trustedCerts + ": " + e.getMessage(), e);
        }
    }

    private static void requireFile(Path p, String what) {
        if (p == null || !Files.isReadable(p)) {
            throw new IllegalArgumentException("the TLS " + what + " file " + p + " is missing or unreadable");
        }
    }

    @Override
    public String toString() {
        return plaintext ? "plaintext (loopback only)" : "TLS";
    }
}
