package dev.chunkvault.cli;

import dev.chunkvault.client.TransferListener;
import dev.chunkvault.client.sync.SyncListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress output: a progress bar (me.tongfei:progressbar, on stderr; several at once when files transfer in
 * parallel) per large transfer on an interactive terminal, one line per file event. Silent with {@code --json} or {@code --quiet}.
 */
final class Progress implements SyncListener {
    /** Transfers smaller than this get no bar (it would only flicker). */
    static final long BAR_THRESHOLD = 8L << 20;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean bars;
    private final boolean events;

    Progress(PrintStream out, PrintStream err, boolean interactive, boolean quiet) {
        this.out = out;
        this.err = err;
        this.bars = interactive && !quiet;
        this.events = !quiet;
    }

    @Override
    public void event(String kind, String path, String detail) {
        if (!events) {
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
        s.println(label + " " + (path.isEmpty() ? "" : path + (detail == null || detail.isEmpty() ? "" : "  (" + detail + ")"))
                + (path.isEmpty() ? detail : ""));
    }

    @Override
    public TransferListener transfer(String path) {
        return bars ? new Bar(path) : TransferListener.NONE;
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
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalBytes).setUnit("MiB", 1 << 20)
                    .showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).build();
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
