package io.github.dl4jcoded.code;

/**
 * The choice of code for a training run, as an object: the built-in kinds are the values of
 * {@code CodedTrainingConfig.CodeKind}; a user can pass their own (named in JSON by class name,
 * rebuilt with its public no-argument constructor).
 */
public interface CodeFactory {
    /** The code over {@code spec.blocks()} blocks for {@code spec.workers()} worker slots. */
    Code create(CodeSpec spec);

    /** The worker slot that computes {@code task}; round robin unless the code says otherwise. */
    default int slotOf(Code code, int task, int workers) {
        return task % workers;
    }
}
