package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.SymbolPrecision;

import java.util.List;

/**
 * What one worker pushes for one round: codewords (coded) or a dense mean gradient (vanilla),
 * tagged with the round and the parameter version it computed against.
 *
 * @param round     the server round (SYNC) or job number (ASYNC) it answers
 * @param version   how many updates the parameters it read had seen: staleness = now - version
 * @param worker    the worker's index
 * @param examples  minibatch examples behind it
 * @param loss      mean loss on those examples
 * @param codewords coded mode: one per task the worker computed; empty in vanilla mode
 * @param dense     vanilla mode: the mean gradient; null in coded mode
 * @param precision what the codewords' symbols travel in (dense gradients travel as float32)
 * @param runningStatistics batch normalization's running-statistics step on these examples
 *                  ({@link io.github.dl4jcoded.nn.RunningStatistics}), float32 on the wire; null
 *                  for a network without batch normalization
 */
public record WorkerMessage(long round, long version, int worker, int examples, double loss,
                            List<Codeword> codewords, double[] dense, SymbolPrecision precision,
                            double[] runningStatistics) {

    /** Header on the wire: round, version (8 bytes each), worker, examples (4 each), loss (4). */
    public static final int HEADER_BYTES = 28;
    /** Per codeword: task id and symbol count (4 each); then the symbols, {@code precision.bytes()} each. */
    public static final int CODEWORD_HEADER_BYTES = 8;

    public WorkerMessage {
        if (precision == null) {
            throw new IllegalArgumentException("a worker message needs the precision of its symbols");
        }
    }

    /** A message without running statistics. */
    public WorkerMessage(long round, long version, int worker, int examples, double loss, List<Codeword> codewords,
                         double[] dense, SymbolPrecision precision) {
        this(round, version, worker, examples, loss, codewords, dense, precision, null);
    }

    /** A message whose symbols (if any) travel as float32. */
    public WorkerMessage(long round, long version, int worker, int examples, double loss, List<Codeword> codewords, double[] dense) {
        this(round, version, worker, examples, loss, codewords, dense, SymbolPrecision.FLOAT32);
    }

    /**
     * This message as the wire delivers it: the loss and dense entries rounded to float32, the
     * symbols to its precision, so that what a worker keeps and what the server decodes are the
     * same numbers.
     */
    public WorkerMessage asSent() {
        List<Codeword> rounded = new java.util.ArrayList<>(codewords.size());
        for (Codeword cw : codewords) {
            rounded.add(precision.round(cw));
        }
        return new WorkerMessage(round, version, worker, examples, (float) loss, rounded, dense == null ? null : toFloat(dense),
                precision, runningStatistics == null ? null : toFloat(runningStatistics));
    }

    private static double[] toFloat(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    /** Bytes this message takes on the wire: float32 dense entries, symbols in its precision. */
    public long wireBytes() {
        long b = HEADER_BYTES;
        if (dense != null) {
            b += 4L * dense.length;
        }
        if (runningStatistics != null) {
            b += 4L * runningStatistics.length;
        }
        for (Codeword cw : codewords) {
            b += CODEWORD_HEADER_BYTES + (long) precision.bytes() * cw.length();
        }
        return b;
    }
}
