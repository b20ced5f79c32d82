package io.github.dl4jcoded.code;

/**
 * What a {@link CodeFactory} builds its code from.
 *
 * @param blocks      k, the blocks of the partition
 * @param workers     worker slots that share the tasks
 * @param parityTasks extra parity tasks, for codes that have them
 * @param rowWeight   blocks per parity task
 * @param seed        seeds random constructions
 */
public record CodeSpec(int blocks, int workers, int parityTasks, int rowWeight, long seed) {
}
