package dev.chunkvault.local.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires scheduled invocations as EventBridge would: each enabled rule at the times of its expression (UTC), one
 * event per firing with a fresh id, delivered asynchronously (a slow run does not delay the clock of the others;
 * a firing while the previous one of the same rule still runs is delivered after it, as an async invocation queued
 * behind reserved concurrency is). Missed firings while the local cloud was stopped are not replayed.
 */
public final class LocalScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalScheduler.class);

    /** What a firing does: invoke the rule's function with an event for {@code time}. */
    @FunctionalInterface
    public interface Target {
        void fire(Rule rule, Instant time) throws Exception;
    }

    public record Rule(String name, String functionId, ScheduleExpression expression, boolean enabled, String input) {}

    /** A rule's next firing, for status output. */
    public record Next(Rule rule, Instant at) {}

    private final Clock clock;
    private final Target target;
    private final List<Rule> rules;
    private final ScheduledExecutorService timer;
    private final List<ScheduledFuture<?>> pending = new ArrayList<>();
    private final java.util.Map<String, Instant> next = new java.util.concurrent.ConcurrentHashMap<>();

    public LocalScheduler(Clock clock, List<Rule> rules, Target target) {
        this.clock = clock;
        this.rules = List.copyOf(rules);
        this.target = target;
        this.timer = Executors.newScheduledThreadPool(Math.max(1, rules.size()), r -> {
            Thread t = new Thread(r, "eventbridge-local");
            t.setDaemon(true);
            return t;
        });
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Starts the clock of every enabled rule. */
    public synchronized void start() {
        for (Rule r : rules) {
            if (r.enabled()) {
                scheduleNext(r, clock.instant());
            } else {
                LOG.info("schedule {} is disabled in the template", r.name());
            }
        }
    }

    private synchronized void scheduleNext(Rule rule, Instant after) {
        if (timer.isShutdown()) {
            return;
        }
        Instant at = rule.expression().next(after);
        next.put(rule.name(), at);
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        pending.removeIf(f -> f.isDone());
        pending.add(timer.schedule(() -> {
            try {
                target.fire(rule, at);
            } catch (Exception e) {
                LOG.warn("scheduled invocation {} at {} failed: {}", rule.name(), at, e.toString());
            } finally {
                scheduleNext(rule, at);
            }
        }, delay, TimeUnit.MILLISECONDS));
    }

    /** The next firing of each running rule. */
    public List<Next> upcoming() {
        List<Next> out = new ArrayList<>();
        for (Rule r : rules) {
            Instant at = next.get(r.name());
            if (at != null) {
                out.add(new Next(r, at));
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        pending.forEach(f -> f.cancel(false));
        timer.shutdownNow();
    }
}
