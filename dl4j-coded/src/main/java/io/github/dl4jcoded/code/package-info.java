/**
 * Codes: the sparse generator matrix G whose row i says which blocks task i combines, the
 * constructions (repetition, regular LDGM, PEG, systematic plus parity), the figures of merit
 * ({@link io.github.dl4jcoded.code.CodeReport}: coverage, redundancy, coherence, frame potential,
 * decodability under random task loss) and a seeded optimizer. Pure math, no frames needed:
 * with orthonormal frames the geometry of the codeword directions is that of G's rows.
 */
package io.github.dl4jcoded.code;
