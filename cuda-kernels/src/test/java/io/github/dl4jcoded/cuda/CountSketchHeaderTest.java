package io.github.dl4jcoded.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.dl4jcoded.frame.CountSketchFrame;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels' generator (count_sketch.h, compiled for the host by the C compiler) draws the same
 * directions as the Java frames, from the constants the host packs for the kernels.
 */
class CountSketchHeaderTest {
    private static final Path HEADER = Path.of("src", "main", "cuda", "count_sketch.h").toAbsolutePath();

    /** Reads "key_lo key_hi b r magic shift" lines; prints each coordinate's bucket, sign and bucket size. */
    private static final String PROGRAM = """
            #include <stdio.h>
            #include "count_sketch.h"
            int main(void) {
                unsigned klo, khi, b, r, m, sh;
                while (scanf("%u %u %u %u %u %u", &klo, &khi, &b, &r, &m, &sh) == 6) {
                    uint32_t last = cs_shift(klo, b / r, r);
                    for (uint32_t i = 0; i < b; i++) {
                        uint32_t u = cs_bucket(klo, r, m, sh, i);
                        printf("%u %u %u\\n", u, cs_negative(khi, i), cs_bucket_size(b, r, last, u));
                    }
                }
                return 0;
            }
            """;

    @Test
    void headerDrawsTheJavaFramesDirections(@TempDir Path dir) throws Exception {
        Path exe = compile(dir);
        int[] sizes = {1, 2, 31, 32, 33, 100, 4096, 5003, 70_001};
        double[] ratios = {1, 3, 32, 100};
        StringBuilder in = new StringBuilder();
        List<int[]> expected = new ArrayList<>();
        for (int b : sizes) {
            for (double ratio : ratios) {
                FrameFamily fam = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 1234, ratio);
                long step = b * 7L + (long) ratio;
                int block = b % 13;
                CountSketchFrame f = (CountSketchFrame) fam.frame(step, block, b);
                SketchPlan plan = SketchPlan.allBlocks(Partition.chunks(b, b), fam, Feedback.defaults());
                int[] l = plan.layout(step);
                // The plan's block 0 has id 0; rebuild its key for id `block` by hand, as layout() does.
                long key = FrameFamily.mix(1234, step, block);
                in.append(Integer.toUnsignedString(CountSketchFrame.shiftKey(key))).append(' ')
                        .append(Integer.toUnsignedString(CountSketchFrame.signKey(key))).append(' ')
                        .append(b).append(' ').append(l[2]).append(' ')
                        .append(Integer.toUnsignedString(l[5])).append(' ').append(l[6]).append('\n');
                int[] size = new int[f.rank()];
                for (int i = 0; i < b; i++) size[f.bucket(i)]++;
                for (int i = 0; i < b; i++) expected.add(new int[] {f.bucket(i), f.sign(i) < 0 ? 1 : 0, size[f.bucket(i)]});
            }
        }
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(in.toString().getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\n");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals(expected.size(), lines.length, "one line per coordinate");
        for (int k = 0; k < lines.length; k++) {
            String[] f = lines[k].trim().split(" ");
            int[] want = expected.get(k);
            assertEquals(want[0], Integer.parseInt(f[0]), "bucket, line " + k);
            assertEquals(want[1], Integer.parseInt(f[1]), "sign, line " + k);
            assertEquals(want[2], Integer.parseInt(f[2]), "bucket size, line " + k);
        }
    }

    /** The division by magic numbers that the kernels use is exact, as the header says. */
    @Test
    void magicDivisionIsExact() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] rs = {1, 2, 3, 7, 32, 125, 128, 4095, 12_500, 65_537, 1 << 20, (1 << 30) + 1, Integer.MAX_VALUE};
        for (int r : rs) {
            int[] l = SketchPlan.allBlocks(Partition.chunks(r, r), new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 1, 1), Feedback.defaults()).layout(0);
            assertEquals(r, l[2]);
            for (int k = 0; k < 20_000; k++) {
                int i = k < 1000 ? k : k < 2000 ? Integer.MAX_VALUE - (k - 1000) : rnd.nextInt(Integer.MAX_VALUE);
                assertEquals(i / r, SketchPlan.divide(i, l[5], l[6]), "i=" + i + " r=" + r);
            }
        }
    }

    private static Path compile(Path dir) throws IOException, InterruptedException {
        String cc = null;
        for (String c : new String[] {"cc", "gcc", "clang"}) {
            if (onPath(c)) { cc = c; break; }
        }
        assumeTrue(cc != null, "no C compiler on the PATH to compile count_sketch.h for the host");
        Path src = dir.resolve("cs.c");
        Files.writeString(src, PROGRAM);
        Path exe = dir.resolve("cs");
        Process p = new ProcessBuilder(cc, "-std=c99", "-O2", "-I", HEADER.getParent().toString(), "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "compiling count_sketch.h failed:\n" + out);
        return exe;
    }

    private static boolean onPath(String cmd) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, cmd))) return true;
        }
        return false;
    }
}
