/**
 * Sub-chunk delta sync, rsync style.
 *
 * <p>Push of an edited chunk: the service sends the {@link dev.chunkvault.core.delta.BlockSignature} of the
 * stored base chunk; the client runs {@link dev.chunkvault.core.delta.DeltaEncoder} over its new bytes and
 * uploads the encoded {@link dev.chunkvault.core.delta.Delta}; the service loads the base named in the
 * delta's header and rebuilds the new chunk with {@link dev.chunkvault.core.delta.DeltaApplier}, which
 * verifies the SHA-256 before anything is stored. Pull runs the same code the other way round, or uses
 * {@link dev.chunkvault.core.delta.BlockMatcher#locate} to find blocks of a wanted chunk in local files.
 *
 * <p>Both wire formats start with a version byte and are decoded strictly; every rejection is a
 * {@link dev.chunkvault.core.delta.DeltaException} with a reason.
 */
package dev.chunkvault.core.delta;
