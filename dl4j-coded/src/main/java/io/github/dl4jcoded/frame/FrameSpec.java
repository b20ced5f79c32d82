package io.github.dl4jcoded.frame;

/**
 * What a {@link FrameFactory} may build its frames from: the run's seed and compression, the
 * size of every block, and each block's matrix shape where it has one (for low-rank frames).
 *
 * @param blockSizes   per block id, its dimension b
 * @param matrixShapes per block id, its matrix view, or null for blocks that are not matrices
 */
public record FrameSpec(long seed, double compression, int[] blockSizes, LowRankHistory.MatrixShape[] matrixShapes) {
    public FrameSpec {
        if (blockSizes.length != matrixShapes.length) {
            throw new IllegalArgumentException(blockSizes.length + " block sizes but " + matrixShapes.length + " shapes");
        }
        blockSizes = blockSizes.clone();
        matrixShapes = matrixShapes.clone();
    }
}
