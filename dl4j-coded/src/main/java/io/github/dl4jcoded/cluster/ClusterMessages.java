package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.GradientCodec;

/** Rebuilding what the wire carries (task ids and float32 symbols) into the library's objects. */
public final class ClusterMessages {
    private ClusterMessages() {
    }

    /**
     * The codeword a worker sent for {@code task}: its code row comes from the codec, never from
     * the wire, so a peer cannot make the server decode along directions of its choosing.
     *
     * @throws RejectedMessageException MALFORMED in vanilla mode or for a null array,
     *                                  UNKNOWN_TASK for a task outside the code
     */
    public static Codeword codeword(GradientCodec codec, long round, int task, long frameTag, double[] symbols) {
        if (!(codec instanceof CodedCodec coded)) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "codewords sent to a vanilla (dense) server");
        }
        if (symbols == null) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "codeword without symbols");
        }
        Code code = coded.code();
        if (task < 0 || task >= code.taskCount()) {
            throw new RejectedMessageException(RejectReason.UNKNOWN_TASK, "task " + task + " is not in code " + code.name());
        }
        return new Codeword(round, task, frameTag, code.blocks(task), code.coefficients(task), symbols);
    }

    /** {@code v} as it arrives after a float32 wire: what both sides must compute with. */
    public static double[] roundToFloat(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
