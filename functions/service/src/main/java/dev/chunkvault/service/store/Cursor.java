package dev.chunkvault.service.store;

/**
 * Where a query or scan page ended: the key attributes of the last item read (table key, plus index key
 * for index queries). Opaque to the domain except for being passed back.
 */
public record Cursor(Item lastKey) {}
