/**
 * Pack objects: many small chunks stored back to back in one object, with a trailing index
 * ({@link dev.chunkvault.core.pack.PackFormat}); the client builds them, the service verifies them.
 */
package dev.chunkvault.core.pack;
