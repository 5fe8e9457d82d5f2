package dev.chunkvault.aws;

import dev.chunkvault.service.time.Deadline;
import java.time.Duration;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * Each AWS call's own time limit, bounded by the invocation's {@link Deadline}: a stalled call ends (as a transient
 * failure, which the service turns into its 503 answer) a moment after the deadline, instead of running on past the
 * function's timeout, which kills the invocation without an answer of the service's own. The clients' configured
 * timeouts stay the limit when the deadline is further away (or there is none).
 */
final class CallBudget {
    /** How far past the deadline a call may run: the deadline already keeps a margin to answer in. */
    static final Duration GRACE = Duration.ofSeconds(1);

    private CallBudget() {}

    /** The request override for a call sent now, or null (no override) when the client's own timeout is the tighter. */
    static AwsRequestOverrideConfiguration bound(Duration configured) {
        Deadline d = Deadline.current();
        if (d.isNone()) {
            return null;
        }
        Duration left = d.remaining().plus(GRACE);
        if (left.compareTo(configured) >= 0) {
            return null;
        }
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(left).build();
    }
}
