package dev.chunkvault.client.sync;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Small writes of many threads to one database connection, committed together as a database groups its commits: a
 * thread's write joins the queue; if no group is being written, the thread writes the whole queue in one transaction,
 * else it waits, and the writes that arrived meanwhile go in the next group. Nothing waits for a group to fill: under
 * one thread each write is its own transaction, as before; under many, one transaction carries the writes of all the
 * threads that arrived while the one before was written.
 *
 * <p>A sync's transfer threads each made three or four transactions of their own per file (the commit key recorded and
 * cleared, the upload journaled, the record), about a tenth of a large first sync's client CPU: SQLite's cost is per
 * transaction (its pages written to the log again each time), not per row (docs/perf-many-files.md).
 *
 * <p>Each caller gets what a transaction of its own would give: when {@link #write} returns, its write is committed;
 * if it fails, the caller hears its own failure and nothing of it is kept. A write that fails its group (a constraint,
 * a full disk) makes the group roll back and run again one write to a transaction, so the others are kept and only the
 * failing one's caller is told.
 */
final class GroupWrites {
    /** One write: its statements, run inside the group's transaction (it must not commit or roll back itself). */
    interface Write {
        void run() throws SQLException;
    }

    /** The connection's transactions. */
    interface Transactions {
        void begin() throws SQLException;

        void commit() throws SQLException;

        /** Rolls back, quietly: the failure that caused it is reported. */
        void rollback();

        /** Back to one transaction per statement, quietly. */
        void end();
    }

    private static final class Pending {
        final Write write;
        boolean done;
        Exception failure;

        Pending(Write write) {
            this.write = write;
        }
    }

    private final Object connection;
    private final Transactions tx;
    private List<Pending> queue = new ArrayList<>();
    private boolean writing;
    private long groups;
    private long writes;

    /**
     * @param connection the lock every other user of the connection holds (a group is written holding it)
     * @param tx         the connection's transactions
     */
    GroupWrites(Object connection, Transactions tx) {
        this.connection = connection;
        this.tx = tx;
    }

    /**
     * Writes {@code w} in a group and returns once the group is committed. Must not be called holding the connection's
     * lock (the thread that writes a group takes it). An interrupt does not cut the wait short (the write may already be
     * in a group being written); it is kept for the caller.
     *
     * @throws SQLException      the write's own failure (nothing of it was kept)
     * @throws RuntimeException  likewise
     */
    void write(Write w) throws SQLException {
        Pending mine = new Pending(w);
        List<Pending> group = null;
        boolean interrupted = false;
        synchronized (this) {
            queue.add(mine);
            while (!mine.done && writing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (!mine.done) {
                writing = true;
                group = queue;
                queue = new ArrayList<>();
            }
        }
        if (group != null) {
            boolean written = false;
            try {
                writeGroup(group);
                written = true;
            } finally {
                synchronized (this) {
                    writing = false;
                    groups++;
                    writes += group.size();
                    for (Pending p : group) {
                        p.done = true;
                        if (!written && p.failure == null) {
                            p.failure = new IllegalStateException("The group of writes was not written.");
                        }
                    }
                    notifyAll();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Exception failure;
        synchronized (this) {
            failure = mine.failure;
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure != null) {
            throw (RuntimeException) failure;
        }
    }

    /** Writes waiting for the next group (for tests). */
    synchronized int queued() {
        return queue.size();
    }

    /** Groups written, and the writes they carried (for tests and reports). */
    synchronized long[] stats() {
        return new long[] {groups, writes};
    }

    private void writeGroup(List<Pending> group) {
        synchronized (connection) {
            try {
                if (group.size() > 1 && run(group) == null) {
                    return;
                }
                // One of them failed the group (or it is one write): each in a transaction of its own.
                for (Pending p : group) {
                    Exception failure = run(List.of(p));
                    synchronized (this) {
                        p.failure = failure;
                    }
                }
            } finally {
                tx.end();
            }
        }
    }

    /** Runs {@code writes} in one transaction: null if it committed, else the failure (and nothing of it is kept). */
    private Exception run(List<Pending> writes) {
        try {
            tx.begin();
            for (Pending p : writes) {
                p.write.run();
            }
            tx.commit();
            return null;
        } catch (SQLException | RuntimeException e) {
            tx.rollback();
            return e;
        }
    }
}
