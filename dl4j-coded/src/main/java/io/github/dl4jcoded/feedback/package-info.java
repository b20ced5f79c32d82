/**
 * Worker-side error feedback: what compression dropped is carried to the next step, with a decay
 * and a clip so the residual stays bounded.
 */
package io.github.dl4jcoded.feedback;
