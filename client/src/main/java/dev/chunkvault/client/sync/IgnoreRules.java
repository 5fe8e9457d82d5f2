package dev.chunkvault.client.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code .chunkvaultignore} rules, with gitignore's syntax and meaning:
 * <ul>
 *   <li>blank lines and lines starting with {@code #} are ignored; {@code \#} and {@code \!} escape;</li>
 *   <li>{@code !pattern} re-includes what an earlier pattern excluded (the last matching pattern wins), but not
 *       inside an excluded folder;</li>
 *   <li>a trailing {@code /} matches folders only;</li>
 *   <li>a pattern with a {@code /} at the start or in the middle is relative to the sync root; otherwise it
 *       matches a name at any depth;</li>
 *   <li>{@code *} matches within a name, {@code ?} one character, {@code [a-z]} a class ({@code [!a]} negated),
 *       {@code **} any number of folders ({@code a/**}/b, {@code **}/x, {@code x/**}).</li>
 * </ul>
 * {@code .chunkvault/} (the sync state) is always ignored, in any case, whatever the file says, and so are a few files
 * operating systems and editors leave behind ({@link #DEFAULTS}) unless re-included.
 */
public final class IgnoreRules {
    public static final String FILE_NAME = ".chunkvaultignore";
    public static final List<String> DEFAULTS = List.of(".DS_Store", "Thumbs.db", "desktop.ini", "~$*", ".~lock.*#",
            ".cv-*.part");

    /**
     * A compiled pattern. {@code nameOnly}: the pattern has no {@code /}, so it matches a name at any depth — the last
     * name of the path tested, which is all its regex is matched against (matching {@code (?:.* /)?name} against the
     * whole path cost a sync of 50,000 files seconds of backtracking).
     */
    private record Rule(Pattern regex, boolean negated, boolean dirOnly, boolean nameOnly, String source) {}

    private final List<Rule> rules;
    /** Folders already decided (a path is ignored when a folder above it is): one decision per folder, not per file. */
    private final java.util.Map<String, Boolean> folders = new java.util.concurrent.ConcurrentHashMap<>();

    private IgnoreRules(List<Rule> rules) {
        this.rules = rules;
    }

    /** The defaults alone. */
    public static IgnoreRules defaults() {
        return parse(List.of());
    }

    /** The defaults, then the root's {@code .chunkvaultignore} if there is one. */
    public static IgnoreRules load(Path root) throws IOException {
        Path f = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) {
            return defaults();
        }
        return parse(Files.readAllLines(f, StandardCharsets.UTF_8));
    }

    /**
     * The defaults, the root's {@code .chunkvaultignore}, then {@code extra} (a command's {@code --exclude} patterns,
     * last so that they win over a negation in the file).
     */
    public static IgnoreRules load(Path root, List<String> extra) throws IOException {
        if (extra.isEmpty()) {
            return load(root);
        }
        Path f = root.resolve(FILE_NAME);
        List<String> lines = new ArrayList<>(Files.isRegularFile(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of());
        lines.addAll(extra);
        return parse(lines);
    }

    /** {@code patterns} alone, without the defaults (for names a user gave one by one). */
    public static IgnoreRules only(List<String> patterns) {
        List<Rule> rules = new ArrayList<>();
        for (String line : patterns) {
            Rule r = compile(line);
            if (r != null) {
                rules.add(r);
            }
        }
        return new IgnoreRules(List.copyOf(rules));
    }

    /** The defaults followed by {@code lines}. */
    public static IgnoreRules parse(List<String> lines) {
        List<Rule> rules = new ArrayList<>();
        for (String d : DEFAULTS) {
            rules.add(compile(d));
        }
        for (String line : lines) {
            Rule r = compile(line);
            if (r != null) {
                rules.add(r);
            }
        }
        return new IgnoreRules(List.copyOf(rules));
    }

    static Rule compile(String raw) {
        String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        // trailing spaces are ignored unless escaped
        int end = line.length();
        while (end > 0 && line.charAt(end - 1) == ' ' && (end < 2 || line.charAt(end - 2) != '\\')) {
            end--;
        }
        line = line.substring(0, end);
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        boolean negated = false;
        if (line.startsWith("!")) {
            negated = true;
            line = line.substring(1);
        } else if (line.startsWith("\\!") || line.startsWith("\\#")) {
            line = line.substring(1);
        }
        boolean dirOnly = false;
        if (line.endsWith("/")) {
            dirOnly = true;
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            return null;
        }
        boolean anchored = line.indexOf('/') >= 0;
        if (line.startsWith("/")) {
            line = line.substring(1);
        }
        String body = globToRegex(line);
        return new Rule(Pattern.compile("^" + body + "$"), negated, dirOnly, !anchored, raw);
    }

    static String globToRegex(String glob) {
        StringBuilder b = new StringBuilder();
        int n = glob.length();
        for (int i = 0; i < n; i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                boolean dbl = i + 1 < n && glob.charAt(i + 1) == '*';
                if (dbl) {
                    boolean atStart = i == 0 || glob.charAt(i - 1) == '/';
                    boolean slashAfter = i + 2 < n && glob.charAt(i + 2) == '/';
                    if (atStart && slashAfter) {
                        b.append("(?:.*/)?");
                        i += 2;
                    } else if (atStart && i + 2 == n) {
                        b.append(".*");
                        i += 1;
                    } else {
                        b.append("[^/]*");
                        i += 1;
                    }
                } else {
                    b.append("[^/]*");
                }
            } else if (c == '?') {
                b.append("[^/]");
            } else if (c == '[') {
                int close = glob.indexOf(']', i + 2);
                if (close < 0) {
                    b.append("\\[");
                } else {
                    String cls = glob.substring(i + 1, close);
                    if (cls.startsWith("!")) {
                        cls = "^" + cls.substring(1);
                    }
                    b.append('[').append(cls.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                    i = close;
                }
            } else if (c == '\\' && i + 1 < n) {
                b.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else {
                b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return b.toString();
    }

    /**
     * Whether {@code relPath} ('/'-separated, relative to the root) is ignored. A path inside an ignored folder is
     * ignored.
     */
    public boolean isIgnored(String relPath, boolean isDirectory) {
        if (isStateFolder(relPath)) {
            return true;
        }
        int slash = relPath.lastIndexOf('/');
        if (slash > 0 && folderIgnored(relPath.substring(0, slash))) {
            return true;
        }
        return matches(relPath, isDirectory);
    }

    /** Whether the folder {@code relPath}, or one above it, is ignored; remembered for the folder's other files. */
    private boolean folderIgnored(String relPath) {
        Boolean known = folders.get(relPath);
        if (known != null) {
            return known;
        }
        int slash = relPath.lastIndexOf('/');
        boolean ignored = (slash > 0 && folderIgnored(relPath.substring(0, slash))) || matches(relPath, true);
        folders.put(relPath, ignored);
        return ignored;
    }

    /** Whether {@code relPath} is the state folder or in it: see {@link dev.chunkvault.client.LocalTargets#isStateFolder}. */
    static boolean isStateFolder(String relPath) {
        return dev.chunkvault.client.LocalTargets.isStateFolder(relPath);
    }

    private boolean matches(String path, boolean isDirectory) {
        boolean ignored = false;
        String name = path.substring(path.lastIndexOf('/') + 1);
        for (Rule r : rules) {
            if (r.dirOnly() && !isDirectory) {
                continue;
            }
            if (r.regex().matcher(r.nameOnly() ? name : path).matches()) {
                ignored = !r.negated();
            }
        }
        return ignored;
    }
}
