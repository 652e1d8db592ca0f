package io.syncvault.backup.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** The gateway's JSON shapes this service reads. */
public final class GatewayTypes {

    private GatewayTypes() {
    }

    /** One configured store, as {@code GET /v1/stores} lists it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StoreInfo(String name, String provider, String bucket, String prefix, boolean encryption,
            String compression, Integer versionsKept, Long maxObjectSize) {
    }

    /** The answer to a PUT. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PutResult(String key, String versionTag, long size, String sha256, Long mtime) {
    }

    /** One object in a listing. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ObjectItem(String key, long size, String sha256, String versionTag, Long mtime, String modified) {
    }

    /** One page of a listing. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ObjectPage(List<ObjectItem> items, List<String> prefixes, String nextCursor) {
    }
}
