package dev.chunkvault.client;

import dev.chunkvault.client.model.UploadGrant;
import java.util.List;

/** How a push asks for upload grants: one request per call ({@link ChunkvaultClient#requestUploads}), or shared. */
@FunctionalInterface
public interface Granter {
    UploadGrant request(List<ChunkvaultClient.ChunkRef> chunks);
}
