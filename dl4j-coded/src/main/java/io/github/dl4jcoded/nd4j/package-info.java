/** The ND4J adapter of the coding core: a decoded gradient, held in a Java array, written into a DL4J gradient view. */
package io.github.dl4jcoded.nd4j;
