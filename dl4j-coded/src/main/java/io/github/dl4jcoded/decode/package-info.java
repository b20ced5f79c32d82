/**
 * Codewords and the server's decoders. A {@link io.github.dl4jcoded.decode.CodewordEncoder} makes
 * codeword i from a gradient (or gives its directions to a forward-mode engine); a {@link
 * io.github.dl4jcoded.decode.Decoder} for one step takes codewords in any order, refuses bad ones
 * without changing state, and writes its estimate into a gradient array, reporting the blocks it
 * wrote (the updater's mask). {@link io.github.dl4jcoded.decode.PeelingDecoder} is exact or says
 * MISSING; {@link io.github.dl4jcoded.decode.ProjectiveDecoder} projects onto what arrived.
 */
package io.github.dl4jcoded.decode;
