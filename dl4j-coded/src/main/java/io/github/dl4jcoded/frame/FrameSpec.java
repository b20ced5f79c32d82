package io.github.dl4jcoded.frame;

/**
 * What a {@link FrameFactory} may build its frames from: the run's seed and compression, the
 * size of every block, each block's matrix shape where it has one (for low-rank frames), and how
 * many steps of frames made from the decoded history must stay available.
 *
 * @param blockSizes   per block id, its dimension b
 * @param matrixShapes per block id, its matrix view, or null for blocks that are not matrices
 * @param keptSteps    steps of history-made frames kept (a late answer needs the frames it was encoded with)
 */
public record FrameSpec(long seed, double compression, int[] blockSizes, LowRankHistory.MatrixShape[] matrixShapes,
                        int keptSteps) {
    public FrameSpec {
        if (blockSizes.length != matrixShapes.length) {
            throw new IllegalArgumentException(blockSizes.length + " block sizes but " + matrixShapes.length + " shapes");
        }
        if (keptSteps < 1) {
            throw new IllegalArgumentException("keep at least one step of frames, got " + keptSteps);
        }
        blockSizes = blockSizes.clone();
        matrixShapes = matrixShapes.clone();
    }
}
