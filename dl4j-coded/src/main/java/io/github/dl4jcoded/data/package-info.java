/**
 * Training data as every mode sees it: an {@link io.github.dl4jcoded.data.ExampleSource} names
 * examples by index (the cluster server schedules indices, each worker reads them from its own
 * copy) and carries a fingerprint both sides compare. {@link
 * io.github.dl4jcoded.data.InMemoryExampleSource} holds any labelled data set, read from a
 * DataVec {@code RecordReader} or given as a {@code DataSet}, with a content hash as its
 * fingerprint; {@link io.github.dl4jcoded.data.ExampleIterator} serves a source to the local
 * facade and to plain {@code fit} alike.
 */
package io.github.dl4jcoded.data;
