package dev.chunkvault.client.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which files a three-way chunk merge may be applied to. The merge combines byte ranges: right for files whose
 * regions are independent (text, logs, CSV, raw images of disks), wrong for formats that compress, encrypt, index
 * or checksum their content — a ZIP's central directory (so every .docx, .xlsx, .odt, .jar, .epub), a PDF's
 * cross-reference table, an SQLite page tree, a JPEG or MP4 stream, a KeePass database. Two disjoint edits of such
 * a file merge into bytes that no program can open. Those files are recognised by their first bytes (and, for
 * formats without a fixed signature, by their extension) and always kept as a conflicted copy instead.
 */
final class MergePolicy {
    private MergePolicy() {}

    private record Magic(int offset, byte[] bytes, String kind) {
        static Magic of(int offset, String kind, int... b) {
            byte[] out = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                out[i] = (byte) b[i];
            }
            return new Magic(offset, out, kind);
        }

        static Magic ascii(int offset, String s, String kind) {
            return new Magic(offset, s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), kind);
        }
    }

    private static final List<Magic> MAGIC = List.of(
            Magic.of(0, "a ZIP container", 0x50, 0x4B, 0x03, 0x04),
            Magic.of(0, "a ZIP container", 0x50, 0x4B, 0x05, 0x06),
            Magic.of(0, "a ZIP container", 0x50, 0x4B, 0x07, 0x08),
            Magic.ascii(0, "%PDF-", "a PDF document"),
            Magic.ascii(0, "SQLite format 3\0", "an SQLite database"),
            Magic.of(0, "an OLE2 document", 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1),
            Magic.of(0, "a KeePass database", 0x03, 0xD9, 0xA2, 0x9A),
            Magic.of(0, "gzip-compressed", 0x1F, 0x8B),
            Magic.ascii(0, "BZh", "bzip2-compressed"),
            Magic.of(0, "xz-compressed", 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00),
            Magic.of(0, "zstd-compressed", 0x28, 0xB5, 0x2F, 0xFD),
            Magic.of(0, "a 7-Zip archive", 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C),
            Magic.ascii(0, "Rar!\u001A\u0007", "a RAR archive"),
            Magic.of(0, "a PNG image", 0x89, 0x50, 0x4E, 0x47),
            Magic.of(0, "a JPEG image", 0xFF, 0xD8, 0xFF),
            Magic.ascii(0, "GIF8", "a GIF image"),
            Magic.ascii(4, "ftyp", "an MP4/QuickTime/HEIF file"),
            Magic.ascii(0, "age-encryption.org/", "an age-encrypted file"),
            Magic.ascii(0, "-----BEGIN PGP MESSAGE", "a PGP message"));

    /** Formats recognised by name: no fixed first bytes, or commonly encrypted. */
    private static final Set<String> EXTENSIONS = Set.of("docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "jar",
            "epub", "pdf", "sqlite", "sqlite3", "db", "kdbx", "gpg", "pgp", "age", "7z", "rar", "gz", "tgz", "bz2",
            "xz", "zst", "jpg", "jpeg", "png", "gif", "heic", "mp4", "mov", "m4a", "mp3");

    /** What makes {@code file} unfit for a chunk merge ("a ZIP container"), or null when it may be merged. */
    static String unmergeable(Path file) throws IOException {
        byte[] head = new byte[32];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        for (Magic m : MAGIC) {
            if (n >= m.offset() + m.bytes().length
                    && Arrays.equals(head, m.offset(), m.offset() + m.bytes().length, m.bytes(), 0, m.bytes().length)) {
                return m.kind();
            }
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
            return "a ." + name.substring(dot + 1) + " file";
        }
        return null;
    }
}
