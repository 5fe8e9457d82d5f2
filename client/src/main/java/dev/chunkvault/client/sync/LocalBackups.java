package dev.chunkvault.client.sync;

import dev.chunkvault.client.LocalTargets;
import dev.chunkvault.client.sync.LocalScanner.LocalFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The local versions a sync replaced by a merge, kept under {@code .chunkvault/backups/<YYYYMMDD-HHMMSS>/<path>} (a
 * folder per sync, named for its local time) for {@link #KEEP_BACKUPS}, then pruned.
 */
final class LocalBackups {
    /** How long the local version of a merged file is kept in {@code .chunkvault/backups}. */
    static final Duration KEEP_BACKUPS = Duration.ofDays(30);
    /** A backup folder per sync, named for its local time. */
    static final DateTimeFormatter BACKUP_DIR_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path root;
    private final Path backups;
    private final Clock clock;

    LocalBackups(Path root, Clock clock) {
        this.root = root;
        this.backups = root.resolve(".chunkvault").resolve("backups");
        this.clock = clock;
    }

    /**
     * Keeps the local file as it is now under {@code .chunkvault/backups/<time>/<its path>}: a hard link (no copy;
     * the file is about to be replaced by a rename, so the link keeps exactly these bytes), or a copy where links
     * are not supported. Never replaces an existing backup.
     */
    Path keep(LocalFile lf) throws IOException {
        LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault());
        Path target = SyncPaths.toLocal(backups.resolve(BACKUP_DIR_NAME.format(now)), SyncPaths.relative(root, lf.file()));
        LocalTargets.createParents(backups, target);
        String name = target.getFileName().toString();
        for (int n = 2; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
            target = target.resolveSibling(name + "." + n);
        }
        try {
            Files.createLink(target, lf.file());
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
            if (noLinks instanceof FileAlreadyExistsException taken) {
                throw taken;
            }
            Files.copy(lf.file(), target, StandardCopyOption.COPY_ATTRIBUTES);
        }
        return target;
    }

    /** Removes backup folders older than {@link #KEEP_BACKUPS}; links in them are removed, never followed. */
    void prune() {
        if (!Files.isDirectory(backups, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        LocalDateTime limit = LocalDateTime.ofInstant(clock.instant().minus(KEEP_BACKUPS), ZoneId.systemDefault());
        try (DirectoryStream<Path> s = Files.newDirectoryStream(backups)) {
            for (Path d : s) {
                LocalDateTime made;
                try {
                    made = LocalDateTime.parse(d.getFileName().toString(), BACKUP_DIR_NAME);
                } catch (DateTimeParseException notOurs) {
                    continue;
                }
                if (made.isBefore(limit) && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    SyncPaths.deleteTree(d);
                }
            }
        } catch (IOException ignored) {
            // pruned next time
        }
    }
}
