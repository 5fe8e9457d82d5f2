package dev.chunkvault.core.paths;

import dev.chunkvault.core.paths.InvalidFilePathException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A file's place in its owner's tree: one or more {@linkplain FileNames valid names}, outermost first.
 *
 * <p>Canonical text form: the NFC names joined by {@code /}, <em>without</em> a leading slash
 * ({@code "Documents/report.pdf"}): paths are relative to the owner's root, and one spelling per path
 * lets the text serve as a key. {@link #parse} also accepts a single leading slash, which is unambiguous;
 * it rejects everything else that is not canonical ({@code //}, a trailing {@code /}, {@code .},
 * {@code ..}) rather than guessing. The root itself is not a file path.
 *
 * <p>Limits: at most {@value #MAX_DEPTH} names and {@value #MAX_PATH_BYTES} UTF-8 bytes in canonical form.
 * Instances are valid by construction: the constructor normalises and checks every name.
 */
public record FilePath(List<String> names) {
    public static final int MAX_DEPTH = 64;
    public static final int MAX_PATH_BYTES = 4096;

    public FilePath {
        if (names.isEmpty()) {
            throw new InvalidFilePathException(Reason.EMPTY, "a path has at least one name");
        }
        if (names.size() > MAX_DEPTH) {
            throw new InvalidFilePathException(Reason.TOO_DEEP, names.size() + " names");
        }
        names = names.stream().map(FileNames::normalize).toList();
        int bytes = FileNames.utf8Length(String.join("/", names));
        if (bytes > MAX_PATH_BYTES) {
            throw new InvalidFilePathException(Reason.PATH_TOO_LONG, bytes + " UTF-8 bytes");
        }
    }

    /**
     * Parses a path given as text, canonical or with one leading slash.
     *
     * @throws InvalidFilePathException when the text is not a valid path
     */
    public static FilePath parse(String path) {
        if (path.length() > FileNames.MAX_RAW_FACTOR * MAX_PATH_BYTES) {
            throw new InvalidFilePathException(Reason.PATH_TOO_LONG, path.length() + " chars");
        }
        String relative = path.startsWith("/") ? path.substring(1) : path;
        if (relative.isEmpty()) {
            throw new InvalidFilePathException(Reason.EMPTY, "a path has at least one name");
        }
        return new FilePath(Arrays.asList(relative.split("/", -1)));
    }

    public static FilePath of(String first, String... more) {
        List<String> names = new ArrayList<>(1 + more.length);
        names.add(first);
        names.addAll(Arrays.asList(more));
        return new FilePath(names);
    }

    /** The last name. */
    public String name() {
        return names.get(names.size() - 1);
    }

    public int depth() {
        return names.size();
    }

    /** The enclosing folder, or empty for a file at the root. */
    public Optional<FilePath> parent() {
        return names.size() == 1 ? Optional.empty() : Optional.of(new FilePath(names.subList(0, names.size() - 1)));
    }

    /** The path of {@code name} inside this one. */
    public FilePath resolve(String name) {
        List<String> child = new ArrayList<>(names);
        child.add(name);
        return new FilePath(child);
    }

    /** The sibling called {@code name}: this path with its last name replaced. */
    public FilePath withName(String name) {
        List<String> sibling = new ArrayList<>(names);
        sibling.set(sibling.size() - 1, name);
        return new FilePath(sibling);
    }

    /**
     * The collision key: two paths with equal keys name the same file on a case-insensitive file system.
     * It is the {@linkplain FileNames#foldKey fold key} of each name, joined by {@code /}; it is a key
     * only, not itself a path.
     */
    public String foldKey() {
        return names.stream().map(FileNames::foldKey).collect(Collectors.joining("/"));
    }

    /** Whether every name is {@linkplain FileNames#isWindowsPortable portable to Windows}. */
    public boolean isWindowsPortable() {
        return names.stream().allMatch(FileNames::isWindowsPortable);
    }

    /** The canonical text form. */
    @Override
    public String toString() {
        return String.join("/", names);
    }
}
