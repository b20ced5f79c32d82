/** The ND4J adapter: decoders write into a DL4J gradient view. Nothing else in the core uses ND4J. */
package io.github.dl4jcoded.nd4j;
