package io.syncvault.storage;

import java.util.List;

/** One page of a listing: objects, common prefixes (with a delimiter), and the next page's cursor (null on the last). */
public record ObjectListing(List<ObjectSummary> items, List<String> prefixes, String nextCursor) {
}
