package dev.chunkvault.cli;

import dev.chunkvault.client.TransferListener;
import dev.chunkvault.client.sync.SyncListener;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress output (me.tongfei:progressbar, on stderr, only on an interactive terminal): for push and pull, a bar
 * per large file and phase (hash, upload, download); for sync, where files transfer in parallel, one bar for the
 * whole sync. One line per file event otherwise (and always for conflicts, warnings and errors). Silent with
 * {@code --json} or {@code --quiet}.
 */
final class Progress implements SyncListener {
    /** Single transfers smaller than this get no bar (it would only flicker). */
    static final long BAR_THRESHOLD = 8L << 20;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean bars;
    private final boolean events;
    private volatile ProgressBar total;
    private final Map<String, FileShare> shares = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> done = new ConcurrentHashMap<>();
    private volatile int planned;

    Progress(PrintStream out, PrintStream err, boolean interactive, boolean quiet) {
        this.out = out;
        this.err = err;
        this.bars = interactive && !quiet;
        this.events = !quiet;
    }

    private static ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit("MiB", 1 << 20).showSpeed()
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).build();
    }

    @Override
    public void plan(int files, long bytes) {
        planned = files;
        if (bars && files > 0 && bytes > 0) {
            total = bar("sync " + Human.plural(files, "file"), bytes);
        }
    }

    @Override
    public void event(String kind, String path, String detail) {
        done.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        boolean important = kind.equals("warning") || kind.equals("error") || kind.equals("refused")
                || kind.equals("conflict") || kind.equals("collision");
        ProgressBar t = total;
        if (t != null && (kind.equals("push") || kind.equals("pull"))) {
            FileShare share = shares.remove(path);
            if (share != null) {
                share.complete(t);
            }
        }
        if (!events || (t != null && !important)) {
            return;
        }
        String label = switch (kind) {
            case "push" -> "uploaded  ";
            case "pull" -> "downloaded";
            case "delete-local" -> "deleted   ";
            case "delete-remote" -> "removed   ";
            case "merge" -> "merged    ";
            case "conflict" -> "CONFLICT  ";
            case "collision" -> "COLLISION ";
            case "refused" -> "REFUSED   ";
            case "warning" -> "warning   ";
            case "error" -> "ERROR     ";
            default -> String.format("%-10s", kind);
        };
        PrintStream s = kind.equals("warning") || kind.equals("error") || kind.equals("refused") ? err : out;
        String what = path.isEmpty() ? detail : path + (detail == null || detail.isEmpty() ? "" : "  (" + detail + ")");
        s.println(label + " " + what);
    }

    /** What a sync has done so far ("12 uploaded, 3 downloaded of 40 files to transfer"), for an interruption. */
    String doneSoFar() {
        List<String> parts = new java.util.ArrayList<>();
        for (String[] k : new String[][] {{"push", "uploaded"}, {"pull", "downloaded"}, {"delete-local", "deleted here"},
                {"delete-remote", "removed from the server"}, {"merge", "merged"}, {"conflict", "kept as conflicted copies"}}) {
            var n = done.get(k[0]);
            if (n != null && n.get() > 0) {
                parts.add(n.get() + " " + k[1]);
            }
        }
        String what = parts.isEmpty() ? "nothing finished yet" : String.join(", ", parts);
        return planned > 0 ? what + " (of " + Human.plural(planned, "file") + " to transfer)" : what;
    }

    /** Ends the sync bar, if any. */
    void close() {
        ProgressBar t = total;
        if (t != null) {
            t.close();
            total = null;
        }
    }

    @Override
    public TransferListener transfer(String path) {
        if (!bars) {
            return TransferListener.NONE;
        }
        ProgressBar t = total;
        if (t != null) {
            return shares.computeIfAbsent(path, p -> new FileShare(t));
        }
        return new Bar(path);
    }

    /** One file's part of the sync bar: upload/download bytes as they move; the rest when the file is done. */
    private static final class FileShare implements TransferListener {
        private final ProgressBar bar;
        private final AtomicLong size = new AtomicLong();
        private final AtomicLong moved = new AtomicLong();
        private volatile boolean moving;

        FileShare(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public void start(String phase, String name, long totalBytes) {
            if (phase.equals("hash") || phase.equals("download")) {
                size.compareAndSet(0, totalBytes);
            }
            moving = !phase.equals("hash");
        }

        @Override
        public void advance(long bytes) {
            if (moving && moved.get() + bytes <= size.get()) {
                moved.addAndGet(bytes);
                bar.stepBy(bytes);
            }
        }

        @Override
        public void finish() {
            moving = false;
        }

        void complete(ProgressBar t) {
            long rest = size.get() - moved.getAndSet(size.get());
            if (rest > 0) {
                t.stepBy(rest);
            }
        }
    }

    private final class Bar implements TransferListener {
        private final String path;
        private ProgressBar bar;

        Bar(String path) {
            this.path = path;
        }

        @Override
        public synchronized void start(String phase, String name, long totalBytes) {
            if (totalBytes < BAR_THRESHOLD) {
                return;
            }
            String task = phase + " " + (path.length() > 30 ? "…" + path.substring(path.length() - 29) : path);
            bar = bar(task, totalBytes);
        }

        @Override
        public synchronized void advance(long bytes) {
            if (bar != null) {
                bar.stepBy(bytes);
            }
        }

        @Override
        public synchronized void finish() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
