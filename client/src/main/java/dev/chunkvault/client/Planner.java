package dev.chunkvault.client;

import dev.chunkvault.client.model.DownloadPlan;
import java.util.List;

/** How a pull asks for download plans: one request per call ({@link ChunkvaultClient#downloadPlan}), or shared. */
@FunctionalInterface
public interface Planner {
    DownloadPlan plan(String path, String version, List<String> chunks);
}
