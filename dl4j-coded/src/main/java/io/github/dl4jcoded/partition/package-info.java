/**
 * Blocks B_1..B_k: how the flattened parameter vector (and the gradient view, which has the same
 * layout) is cut into the units that frames compress and codes combine. Plain index ranges, no
 * DL4J: the adapter that reads a network's parameter table builds a {@link
 * io.github.dl4jcoded.partition.Partition} from (name, offset, length) segments and shapes.
 */
package io.github.dl4jcoded.partition;
