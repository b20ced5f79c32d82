package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact erasure decoding over the reals. A codeword with one unresolved block resolves it
 * ({@code s_j = (c_i - sum of its resolved blocks) / G_ij}); resolved blocks are subtracted from
 * every codeword that contains them, which may leave those with one unresolved block, and so on.
 * Blocks that never peel are MISSING: the decoder never guesses.
 *
 * <p>Peeling runs in rounds so that the result depends only on the set of codewords received,
 * not on their order: in each round, every codeword with exactly one unresolved block gives an
 * estimate of that block, and all estimates of the same block in a round are averaged. This is
 * how redundant copies (a repetition code, workers on different minibatches) are averaged; when
 * the copies agree, the average is exact. Codewords whose blocks were all resolved before they
 * could be used are redundant checks and do not change the estimate.
 */
public final class PeelingDecoder extends Decoder {

    public PeelingDecoder(Partition partition, Code code, FrameSource family, long step) {
        super(partition, code, family, step);
    }

    @Override
    protected void solve() {
        int n = code.taskCount(), k = partition.blockCount();
        double[][] residual = new double[n][];
        int[] unresolved = new int[n];
        for (int i = 0; i < n; i++) {
            if (received[i] == null) continue;
            residual[i] = received[i].symbolsRef().clone();
            unresolved[i] = code.rowWeight(i);
        }
        double[][] sum = new double[k][];
        int[] copies = new int[k];
        while (true) {
            // Gather this round's estimates: every codeword with exactly one unresolved block.
            List<Integer> newly = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (residual[i] == null || unresolved[i] != 1) continue;
                int[] blocks = code.blocks(i);
                double[] coeffs = code.coefficients(i);
                for (int p = 0; p < blocks.length; p++) {
                    int j = blocks[p];
                    if (estimate[j] != null) continue;
                    if (sum[j] == null) {
                        sum[j] = new double[ranks[j]];
                        newly.add(j);
                    }
                    for (int t = 0; t < ranks[j]; t++) sum[j][t] += residual[i][t] / coeffs[p];
                    copies[j]++;
                }
                unresolved[i] = 0; // used up
            }
            if (newly.isEmpty()) break;
            for (int j : newly) {
                double[] s = sum[j];
                for (int t = 0; t < s.length; t++) s[t] /= copies[j];
                estimate[j] = s;
                status[j] = BlockStatus.RESOLVED;
                // Subtract the resolved block from every other received codeword that still needs it.
                for (int i : code.tasks(j)) {
                    if (residual[i] == null || unresolved[i] <= 0) continue;
                    double g = code.coefficient(i, j);
                    for (int t = 0; t < s.length; t++) residual[i][t] -= g * s[t];
                    unresolved[i]--;
                }
            }
        }
    }
}
